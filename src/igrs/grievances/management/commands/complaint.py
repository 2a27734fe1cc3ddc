"""`igrs complaint …`: drive a complaint through its life from the command line.

Operators and scripts act as a role (--as agent|desk|admin) or as an officer (--officer with an
officer id or the code of a post whose holder acts)."""

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from igrs.core import clock
from igrs.core.commands import TranslatedCommand
from igrs.core.errors import ServiceError
from igrs.core.roles import Role
from igrs.core.text import normalise_mobile
from igrs.directory import selectors as directory
from igrs.directory.models import Category, Post, Unit
from igrs.grievances import reference, selectors, services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Action, Source, Status


class Command(TranslatedCommand):
    help = gettext_lazy("Register, forward, dispose of, verify and show complaints.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)

        def verb(name: str, help_text: str, *, ref: bool = True, default_role: str = "agent"):
            p = sub.add_parser(name, help=help_text)
            if ref:
                p.add_argument("ref", help=_("reference number"))
            p.add_argument(
                "--as", dest="role", default=default_role, choices=["agent", "desk", "admin"]
            )
            p.add_argument("--officer", help=_("officer id, or the code of the post they hold"))
            p.add_argument(
                "--version", type=int, help=_("the version you read; refused if it has changed")
            )
            return p

        p = verb("register", _("register a new complaint"), ref=False)
        p.add_argument("--name", required=True)
        p.add_argument("--mobile", required=True)
        p.add_argument("--category", required=True, help=_("category code, e.g. REV-LAND"))
        p.add_argument("--place", required=True, help=_("unit code, e.g. UP-LUCKNOW-T-SADAR"))
        p.add_argument("--description", required=True)
        p.add_argument("--source", default=Source.HELPLINE, choices=Source.values)
        p.add_argument("--address", default="")
        p.add_argument("--village", default="")
        p.add_argument("--language", default="hi", choices=["hi", "en"])
        p.add_argument("--against-post", help=_("code of the post the complaint is against"))
        p.add_argument("--call-id", default="")

        verb("show", _("show status, holder and timeline"))
        p = verb("forward", _("monitoring desk: send to a post"), default_role="desk")
        p.add_argument("--to", required=True, help=_("post code"))
        p.add_argument("--note", default="")
        p = verb("forward-down", _("officer: send to a subordinate post"))
        p.add_argument("--to", required=True, help=_("post code"))
        p.add_argument("--note", default="")
        p = verb("return", _("officer: return as misrouted"))
        p.add_argument("--reason", required=True)
        p = verb("atr", _("officer: submit the action-taken report"))
        p.add_argument("--disposal", required=True, choices=["resolved", "cannot_resolve"])
        p.add_argument("--report", required=True)
        p.add_argument("--attach", nargs="*", default=[], help=_("photo or PDF files"))
        p = verb("propose-closure", _("officer: propose special closure"))
        p.add_argument(
            "--ground", required=True, choices=["sub_judice", "policy", "rti", "duplicate"]
        )
        p.add_argument("--reason", required=True)
        p = verb("decide-closure", _("superior officer: approve or reject special closure"))
        p.add_argument("--approve", action="store_true")
        p.add_argument("--note", default="")
        p = verb("verify", _("call centre: record the complainant's verdict"))
        p.add_argument("--outcome", required=True, choices=services.Outcome.ALL)
        p.add_argument("--note", default="")
        p = verb("reopen", _("re-open a closed complaint at the next level"))
        p.add_argument("--reason", required=True)
        p = verb("note", _("add a note to the timeline"))
        p.add_argument("--note", required=True)
        p = verb("list", _("a mobile number's complaints"), ref=False)
        p.add_argument("--mobile", required=True)

    def handle(self, *args, **o):
        try:
            getattr(self, "do_" + o["verb"].replace("-", "_"))(self._actor(o), o)
        except ServiceError as error:
            raise CommandError(error.describe()) from None

    # ------------------------------------------------------------ verbs

    def do_register(self, actor: Actor, o):
        complaint = services.register(
            actor,
            services.NewComplaint(
                source=o["source"],
                complainant_name=o["name"],
                mobile=o["mobile"],
                category_id=_by_code(Category, o["category"]).pk,
                place_id=_by_code(Unit, o["place"]).pk,
                description=o["description"],
                address=o["address"],
                place_detail=o["village"],
                language=o["language"],
                against_post_id=_by_code(Post, o["against_post"]).pk if o["against_post"] else None,
                call_id=o["call_id"],
            ),
        )
        self._summary(complaint)

    def do_show(self, actor: Actor, o):
        view = selectors.get_complaint(o["ref"], actor)
        c = view.complaint
        holder = view.holder.post.title if view.holder.post else _("monitoring desk")
        names = ", ".join(officer.name for officer in view.holder.officers) or _("vacant")
        lines = [
            (_("Reference"), reference.grouped(c.reference)),
            (_("Status"), f"{Status(c.status).label} (L{c.level})"),
            (_("Category"), c.category.name),
            (_("Place"), f"{c.place.name} {c.place_detail}".strip()),
            (_("Responsible now"), f"{holder} ({names})"),
        ]
        if c.due_at:
            lines += [
                (_("Due by"), _when(c.due_at)),
                (_("Days with this post"), view.days_with_holder),
                (_("Days overdue"), view.overdue_days),
            ]
        lines += [(_("Times escalated"), c.escalation_count), (_("Description"), c.description)]
        for label, value in lines:
            self.stdout.write(f"{label}: {value}")
        self.stdout.write(_("Timeline:"))
        for e in view.events:
            who = e.actor_post.title if e.actor_post else Role(e.role).label
            to = f" → {e.to_post.title}" if e.to_post and e.to_post_id != e.from_post_id else ""
            self.stdout.write(f"  {_when(e.at)}  {Action(e.action).label} — {who}{to}")
            if e.note:
                self.stdout.write(f"      {e.note}")
            for a in e.attachments.all():
                self.stdout.write(f"      📎 {a.original_name} ({a.content_type}, {a.size} B)")

    def do_forward(self, actor, o):
        self._summary(
            services.forward(
                actor,
                o["ref"],
                to_post_id=_by_code(Post, o["to"]).pk,
                note=o["note"],
                version=o["version"],
            )
        )

    def do_forward_down(self, actor, o):
        self._summary(
            services.forward_down(
                actor,
                o["ref"],
                to_post_id=_by_code(Post, o["to"]).pk,
                note=o["note"],
                version=o["version"],
            )
        )

    def do_return(self, actor, o):
        self._summary(
            services.return_misrouted(actor, o["ref"], reason=o["reason"], version=o["version"])
        )

    def do_atr(self, actor, o):
        uploads = [services.Upload(Path(p).name, _read(p)) for p in o["attach"]]
        self._summary(
            services.submit_atr(
                actor,
                o["ref"],
                disposal=o["disposal"],
                report=o["report"],
                attachments=uploads,
                version=o["version"],
            )
        )

    def do_propose_closure(self, actor, o):
        self._summary(
            services.propose_special_closure(
                actor, o["ref"], ground=o["ground"], reason=o["reason"], version=o["version"]
            )
        )

    def do_decide_closure(self, actor, o):
        self._summary(
            services.decide_special_closure(
                actor, o["ref"], approve=o["approve"], note=o["note"], version=o["version"]
            )
        )

    def do_verify(self, actor, o):
        self._summary(
            services.verify(
                actor, o["ref"], outcome=o["outcome"], note=o["note"], version=o["version"]
            )
        )

    def do_reopen(self, actor, o):
        self._summary(services.reopen(actor, o["ref"], reason=o["reason"], version=o["version"]))

    def do_note(self, actor, o):
        self._summary(services.add_note(actor, o["ref"], note=o["note"], version=o["version"]))

    def do_list(self, actor, o):
        for c in selectors.complaints_by_mobile(normalise_mobile(o["mobile"]) or o["mobile"]):
            holder = c.current_post.title if c.current_post else _("monitoring desk")
            self.stdout.write(
                f"{reference.grouped(c.reference)}  {Status(c.status).label}  L{c.level}  {holder}"
            )

    # ------------------------------------------------------------ helpers

    def _actor(self, o) -> Actor:
        if o.get("officer"):
            return Actor(Role.OFFICER, officer_id=_officer_id(o["officer"]))
        return Actor(o["role"])

    def _summary(self, complaint):
        holder = (
            directory.get_post(complaint.current_post_id).title
            if complaint.current_post_id
            else _("monitoring desk")
        )
        due = _when(complaint.due_at) if complaint.due_at else "—"
        due_label = _("due")
        self.stdout.write(
            f"{reference.grouped(complaint.reference)}  "
            f"{Status(complaint.status).label}  L{complaint.level}  {holder}  "
            f"{due_label}: {due}"
        )


def _by_code(model, code: str):
    found = model.objects.filter(code=code).first()
    if found is None:
        raise CommandError(_("Nothing found with the code %(code)s.") % {"code": code})
    return found


def _officer_id(value: str) -> int:
    if value.isdigit():
        return int(value)
    holders = directory.holders_of(_by_code(Post, value).pk, clock.local_date(clock.now()))
    if not holders:
        raise CommandError(_("Nobody holds the post %(code)s.") % {"code": value})
    return holders[0].pk


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CommandError(str(error)) from None


def _when(moment) -> str:
    return clock.local(moment).strftime("%d-%m-%Y %H:%M")
