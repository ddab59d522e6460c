"""Multi-step flows as persisted state machines.

A flow is a list of steps; each step asks (a prompt with optional choices) and parses the
answer. State lives in storage, so a flow survives restarts. Buttons carry the dialog id and
its step sequence number: a press from an earlier step changes nothing and says so.
Invalid answers get a specific message and the flow stays on the same step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import Conflict, InvalidInput
from core.i18n import ENGLISH, _, is_deferred, p_, said, translate
from core.messages import Action, Choice, ChoiceStyle, Outcome, Reply
from core.metrics import NO_METRICS, Metrics
from core.ports import DialogState

if TYPE_CHECKING:
    from core.context import Context

Data = dict[str, Any]
SKIP = "-"
# Translators: a button that leaves an optional question unanswered.
SKIP_LABEL = p_("button", "Skip")


@dataclass(frozen=True, slots=True)
class Prompt:
    text: str
    choices: Sequence[tuple[str, str]] = ()  # (label, value); the value is parsed like text
    free_text: bool = True
    optional: bool = False  # offers a "Skip" button; parse gets SKIP
    title: str | None = None
    # How the step reads as a form field, where the question is worded for a chat
    # ("Tap one or write your own"): a short label and a hint under the field.
    label: str = ""
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    ask: Callable[[Context, Data], Awaitable[Prompt]]
    parse: Callable[[Context, Data, str], Awaitable[Any]]
    when: Callable[[Data], bool] | None = None  # step is skipped when this returns False
    # Whether the step is part of this run of the flow at all, decided by the data the flow
    # starts with (e.g. a program's third question): unlike ``when``, never by an answer,
    # so a form leaves the step out instead of offering it as optional.
    applies: Callable[[Data], bool] | None = None

    def is_part_of(self, data: Data) -> bool:
        return self.applies is None or self.applies(data)

    def is_asked(self, data: Data) -> bool:
        return self.is_part_of(data) and (self.when is None or self.when(data))


async def parse_yes_no(ctx: Context, data: Data, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("yes", "y"):
        return True
    if value in ("no", "n"):
        return False
    raise InvalidInput(_("Please answer yes or no."))


def two_choice_step(
    key: str,
    question: str | Callable[[Data], str],
    first: tuple[str, str],
    second: tuple[str, str],
    *,
    true_when: str,
    error: str,
    when: Callable[[Data], bool] | None = None,
) -> Step:
    """A step answered by one of two buttons (label, value), stored as a bool: True when the
    chosen value is ``true_when``. Naming it keeps button order free of meaning. The
    question may depend on the flow's data."""
    if true_when not in (first[1], second[1]):
        raise ValueError(f"true_when={true_when!r} is neither choice's value")

    async def ask(ctx: Context, data: Data) -> Prompt:
        text = question if isinstance(question, str) else question(data)
        return Prompt(text, choices=[first, second], free_text=False)

    async def parse(ctx: Context, data: Data, raw: str) -> bool:
        if raw not in (first[1], second[1]):
            raise InvalidInput(error)
        return raw == true_when

    return Step(key, ask, parse, when=when)


FinishFn = Callable[["Context", Data], Awaitable[Outcome | list[Reply]]]


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    title: str
    steps: tuple[Step, ...]
    finish: FinishFn
    form: bool = False  # reads well as one form (adapters with modals may offer it)


@dataclass(frozen=True, slots=True)
class FormField:
    """One step of a flow shown as a form field. ``choices`` are (label, value) pairs; a
    field with choices and ``free_text`` False is a select, otherwise a text input."""

    key: str
    label: str
    choices: tuple[tuple[str, str], ...]
    free_text: bool
    optional: bool
    hint: str = ""


@dataclass(frozen=True, slots=True)
class FormResult:
    """A submitted form: either the flow's outcome, or an error per field key."""

    outcome: Outcome | None = None
    errors: dict[str, str] | None = None


def dialog_choice(state: DialogState, value: str) -> str:
    assert state.id is not None
    return Action("d", (str(state.id), str(state.seq), value)).encode()


class DialogEngine:
    def __init__(
        self, flows: Sequence[Flow], *, is_command: Callable[[str], bool] = lambda _verb: False
    ) -> None:
        self._flows = {flow.name: flow for flow in flows}
        self.is_command = is_command
        self.metrics: Metrics = NO_METRICS  # the composition root sets the exporter

    def flow(self, name: str) -> Flow:
        return self._flows[name]

    async def start(self, ctx: Context, name: str, data: Data | None = None) -> Outcome:
        """Begin flow ``name`` for the actor, replacing any flow they had open."""
        replies: list[Reply] = []
        previous = await ctx.uow.dialogs.active(ctx.actor)
        if previous is not None and previous.flow in self._flows:
            title = said_title(self._flows[previous.flow].title)
            replies.append(Reply(_("I've set aside your unfinished {dialog}.", dialog=title)))
            self.metrics.dialog("abandoned")
        self.metrics.dialog("started")
        state = DialogState(
            actor=ctx.actor,
            flow=name,
            step=-1,
            data=dict(data or {}),
            updated_at=ctx.now(),
            seq=(previous.seq + 1) if previous else 0,
        )
        outcome = as_outcome(await self._advance(ctx, state))
        outcome.replies[:0] = replies
        return outcome

    async def matching_choice(self, ctx: Context, state: DialogState, raw: str) -> str | None:
        """The value of the current step's button whose label or value was typed, if any."""
        step = self._flows[state.flow].steps[state.step]
        return typed_choice(await step.ask(ctx, state.data), raw, ctx.language)

    async def answer(self, ctx: Context, state: DialogState, raw: str) -> list[Reply] | Outcome:
        flow = self._flows[state.flow]
        step = flow.steps[state.step]
        raw = await self.matching_choice(ctx, state, raw) or raw
        try:
            value = await step.parse(ctx, state.data, raw)
        except InvalidInput as error:
            prompt = await self._prompt(ctx, state)
            text = error.user_text()
            verb = raw.strip().split(" ", 1)[0].lower()
            if self.is_command(verb):
                instead = _(
                    "To run the command instead, send /{verb} (this {dialog} stays open).",
                    verb=verb,
                    dialog=said_title(flow.title),
                )
                text = f"{text}\n{instead}"
            return [Reply(text, is_error=True), prompt]
        state.data[step.key] = value
        return await self._advance(ctx, state)

    async def press(
        self, ctx: Context, dialog_id: str, seq: str, value: str
    ) -> list[Reply] | Outcome:
        state = await ctx.uow.dialogs.active(ctx.actor)
        if state is None or str(state.id) != dialog_id or str(state.seq) != seq:
            replies = [Reply(_("That button is from an earlier question, so nothing was changed."))]
            if state is not None and state.flow in self._flows:
                replies.append(await self._prompt(ctx, state))
            return replies
        return await self.answer(ctx, state, value)

    async def form(self, ctx: Context, dialog_id: str) -> tuple[str, list[FormField]]:
        """The rest of the open flow as form fields (from the current step on)."""
        state = await self._form_state(ctx, dialog_id)
        flow = self._flows[state.flow]
        fields = []
        for step in flow.steps[state.step :]:
            if not step.is_part_of(state.data):
                continue
            prompt = await step.ask(ctx, state.data)
            conditional = step.when is not None
            fields.append(
                FormField(
                    key=step.key,
                    label=prompt.label or prompt.text,
                    choices=tuple(prompt.choices),
                    free_text=prompt.free_text,
                    optional=prompt.optional or conditional,
                    hint=prompt.hint,
                )
            )
        return flow.title, fields

    async def submit(self, ctx: Context, dialog_id: str, values: dict[str, str]) -> FormResult:
        """Validate every field the way each step would; finish only when all are valid.

        A field whose step doesn't apply (its condition is false) is ignored; nothing is
        saved unless every applicable field parses. Every field is checked, so each bad one
        is named at once; a field that depends on one that failed (the end on the start) is
        left unchecked rather than failing the form.
        """
        state = await self._form_state(ctx, dialog_id)
        flow = self._flows[state.flow]
        data = dict(state.data)
        errors: dict[str, str] = {}
        for step in flow.steps[state.step :]:
            try:
                if not step.is_asked(data):
                    continue
                prompt = await step.ask(ctx, data)
                raw = (values.get(step.key) or "").strip()
                if not raw:
                    if not prompt.optional:
                        errors[step.key] = _("Please fill this in.")
                        continue
                    raw = SKIP
                raw = typed_choice(prompt, raw, ctx.language) or raw
                data[step.key] = await step.parse(ctx, data, raw)
            except InvalidInput as error:
                errors[step.key] = error.user_text()
            except (KeyError, ValueError, TypeError):
                if not errors:
                    raise  # a bug, not an answer that depends on a bad field
        if errors:
            return FormResult(errors=errors)
        await ctx.uow.dialogs.delete(state.actor)
        self.metrics.dialog("finished")
        return FormResult(outcome=as_outcome(await flow.finish(ctx, data)))

    async def _form_state(self, ctx: Context, dialog_id: str) -> DialogState:
        state = await ctx.uow.dialogs.active(ctx.actor)
        if state is None or str(state.id) != dialog_id or state.flow not in self._flows:
            raise Conflict(_("That form is from an earlier question, so nothing was changed."))
        return state

    async def cancel(self, ctx: Context) -> str | None:
        state = await ctx.uow.dialogs.active(ctx.actor)
        if state is None:
            return None
        await ctx.uow.dialogs.delete(ctx.actor)
        self.metrics.dialog("abandoned")
        flow = self._flows.get(state.flow)
        return flow.title if flow else state.flow

    def title_of(self, state: DialogState) -> str:
        flow = self._flows.get(state.flow)
        return flow.title if flow else state.flow

    async def _advance(self, ctx: Context, state: DialogState) -> list[Reply] | Outcome:
        flow = self._flows[state.flow]
        index = state.step + 1
        while index < len(flow.steps) and not flow.steps[index].is_asked(state.data):
            index += 1
        if index >= len(flow.steps):
            if state.id is not None:
                await ctx.uow.dialogs.delete(state.actor)
            self.metrics.dialog("finished")
            return await flow.finish(ctx, state.data)
        state.step = index
        state.seq += 1
        state.updated_at = ctx.now()
        saved = await ctx.uow.dialogs.save(state)
        return [await self._prompt(ctx, saved)]

    async def _prompt(self, ctx: Context, state: DialogState) -> Reply:
        flow = self._flows[state.flow]
        step = flow.steps[state.step]
        prompt = await step.ask(ctx, state.data)
        choices = [Choice(label, dialog_choice(state, value)) for label, value in buttons(prompt)]
        # Translators: a button that abandons the questions being asked.
        cancel = p_("button", "Cancel")
        choices.append(Choice(cancel, Action.command("cancel").encode(), ChoiceStyle.DANGER))
        return Reply(
            prompt.text,
            title=prompt.title,
            choices=tuple(choices),
            expects_text=prompt.free_text,
            form=str(state.id) if flow.form else None,
        )


def buttons(prompt: Prompt) -> list[tuple[str, str]]:
    """The (label, value) of every answer button a step shows, Skip included."""
    skip = [(SKIP_LABEL, SKIP)] if prompt.optional else []
    return [*prompt.choices, *skip]


def typed_choice(prompt: Prompt, raw: str, language: str | None = None) -> str | None:
    """The value of the button whose label or value was typed: a typed word means what its
    button means, on every step ("skip" skips, it isn't saved as the answer "skip"). A
    label counts as written in English and in ``language``, the reader's."""
    typed = raw.strip().casefold()
    offered = [
        (_readings(label, language), value.casefold(), value) for label, value in buttons(prompt)
    ]
    for labels, typed_value, value in offered:
        if typed in labels or typed == typed_value:
            return value
    # A label's first word names it too ("keep" for "Keep: weekly", "today" for
    # "Today (02 Mar)"), as long as no other button starts with that word.
    by_head = [value for labels, _value, value in offered if typed in map(_head, labels)]
    return by_head[0] if len(by_head) == 1 else None


def _readings(label: str, language: str | None) -> tuple[str, ...]:
    """A button's label as a person may type it back: in English and in their language."""
    english = translate(label, ENGLISH).casefold()
    theirs = translate(label, language).casefold() if language else english
    return (english,) if theirs == english else (english, theirs)


def said_title(title: str) -> str:
    """A flow's title (declared with ``N_``) as said in a sentence of a message."""
    return title if is_deferred(title) else said(title)


def _head(label: str) -> str:
    return label.split(":")[0].split(" (")[0].strip()


def as_outcome(result: Outcome | list[Reply]) -> Outcome:
    return result if isinstance(result, Outcome) else Outcome(replies=list(result))
