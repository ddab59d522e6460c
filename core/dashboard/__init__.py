"""The coordinator's dashboard in the browser: sign-in links from chat, sessions bound to
one person and one program, and the pages' read models (see adapters/web for the HTTP side).
"""
