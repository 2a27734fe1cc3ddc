"""One planned complaint lived step by step through the grievance services, as the people
involved would: the agent or citizen files it, officers report, the call centre verifies,
the complainant re-opens or reminds. Each fate is a script: a generator that takes a step
and yields the moment of its next one (the engine sets the services' clock to it).
Escalations and defaulter marks are never scripted: the sweep makes them when a time limit
passes, as in a running system."""

import datetime as dt
import heapq
import io
import itertools
import random
from collections.abc import Callable, Iterator

from django.utils import timezone
from PIL import Image

from igrs.core import clock
from igrs.core.roles import Role
from igrs.core.text import normalise_mobile
from igrs.directory import selectors as directory
from igrs.directory.models import Category, Unit
from igrs.grievances import services
from igrs.grievances.actors import Actor
from igrs.grievances.models import Complaint, Disposal, Grade, SpecialGround

from . import texts
from .plan import DISTRICTS, Plan

Moments = Iterator[dt.datetime]
OPENS, CLOSES = 9, 19  # office hours (IST) in which people act
FILING_HOURS = (8, 20)
# The sweep's period in the history (the worker's is a minute; six hours are enough here).
SWEEP_EVERY = dt.timedelta(hours=6)


class World:
    """What every life shares: the moment (the end of the history at last), the demo's agent
    and desk, and the master data by code. It runs the lives and the sweeps in time order."""

    def __init__(self, end: dt.datetime, agent_user_id: int, desk_user_id: int):
        self.end = self.now = end
        self.agent = Actor(Role.AGENT, user_id=agent_user_id)
        self.desk = Actor(Role.DESK, user_id=desk_user_id)
        self.units = dict(Unit.objects.values_list("code", "pk"))
        self.categories = dict(Category.objects.values_list("code", "pk"))
        self._officers: dict[int, int] = {}

    def officer(self, post_id: int) -> Actor:
        """The officer holding the post (the demo's postings never change)."""
        if post_id not in self._officers:
            holder = directory.holders_of(post_id, clock.local_date(self.now))[0]
            self._officers[post_id] = holder.pk
        return Actor(Role.OFFICER, officer_id=self._officers[post_id])

    def live(self, lives: list["Life"]) -> None:
        """Every life's steps and the sweeps, in the order of their moments, up to the end
        (a step that would come after it has not happened yet)."""
        order = itertools.count()
        queue = [(life.registered_at, next(order), life) for life in lives]
        heapq.heapify(queue)
        next_sweep = min((moment for moment, _i, _life in queue), default=self.end) + SWEEP_EVERY
        try:
            while queue and queue[0][0] < self.end:
                if next_sweep <= queue[0][0]:
                    self.sweep(next_sweep)
                    next_sweep += SWEEP_EVERY
                    continue
                moment, _i, life = heapq.heappop(queue)
                self.at(moment)
                following = life.step()
                if following is not None:
                    heapq.heappush(queue, (following, next(order), life))
            while next_sweep < self.end:
                self.sweep(next_sweep)
                next_sweep += SWEEP_EVERY
        finally:
            clock.reset()

    def sweep(self, moment: dt.datetime) -> None:
        self.at(moment)
        services.sweep(moment)

    def at(self, moment: dt.datetime) -> None:
        """Set the services' clock to the moment (it runs on from there by the real time a
        step takes, milliseconds; the scripts plan from `now`, which does not)."""
        self.now = moment
        clock.reset()
        clock.advance(moment - timezone.now())


class Life:
    def __init__(self, world: World, plan: Plan):
        self.world, self.plan = world, plan
        self.rng = random.Random(plan.seed)
        self.citizen = Actor(Role.CITIZEN, mobile=normalise_mobile(plan.mobile) or "")
        self.ref = ""
        self.first_post_id: int | None = None
        # The complaint as the last step left it. Only the sweep changes it behind a script's
        # back, by escalating it, and scripts wait for that by reading it again.
        self.current: Complaint | None = None
        self.steps = self._story()

    @property
    def registered_at(self) -> dt.datetime:
        """age_days before the end, moved by half a day when that falls outside the hours
        people file in."""
        moment = self.world.end - dt.timedelta(days=self.plan.age_days)
        opens, closes = FILING_HOURS
        return moment if opens <= clock.local(moment).hour < closes else moment - HALF_DAY

    def step(self) -> dt.datetime | None:
        """Take the next step (registration first); the moment of the one after, if any."""
        return next(self.steps, None)

    def _story(self) -> Moments:
        self._register()
        yield from getattr(self, self.plan.fate)()

    # ------------------------------------------------------------ the fates' scripts

    def with_desk(self) -> Moments:
        yield from ()  # "other / not sure": the district's desk holds it, in its time limit

    def returned(self) -> Moments:
        yield self.after(4, 30)
        self.return_misrouted()

    def in_time(self) -> Moments:
        if self.rng.random() < 0.3:
            yield self.after(24, 60)
            self.remind()

    def overdue_l2(self) -> Moments:
        yield from self.escalated_to(2)
        if self.rng.random() < 0.4:
            yield self.after(12, 48)
            self.remind()

    def defaulted_top(self) -> Moments:
        yield from ()  # nobody acts: the sweep escalates twice, then marks the top defaulter

    def closure_proposed(self) -> Moments:
        yield self.after(4, 30)
        self.propose(self.rng.choice(SpecialGround.values))

    def awaiting_verification(self) -> Moments:
        yield self.after(4, 30)
        self.report()
        if self.rng.random() < 0.3:
            yield self.after(2, 5)
            self.unanswered()

    def open_at_l2(self) -> Moments:
        yield self.after(4, 30)
        self.report()
        yield self.after(3, 24)
        self.not_satisfied()

    def reopened(self) -> Moments:
        yield self.after(4, 48)
        self.report()
        yield self.after(3, 24)
        self.feedback(services.Outcome.SATISFIED)
        yield self.after(24, 72)
        self.act(services.reopen, self.complainant(), reason=self.rng.choice(texts.REOPEN))

    def closed_satisfied(self) -> Moments:
        yield self.after(4, 84)
        self.report()
        yield from self.satisfied()

    def closed_after_l2(self) -> Moments:
        yield self.after(4, 72)
        self.report()
        yield self.after(3, 30)
        self.not_satisfied()
        yield self.after(12, 96)
        self.report()
        yield from self.satisfied()

    def reopened_closed(self) -> Moments:
        yield from self.reopened()
        yield self.after(12, 96)
        self.report()
        yield from self.satisfied()

    def special_closure(self) -> Moments:
        yield self.after(4, 72)
        self.propose(self.rng.choice(SpecialGround.values))
        yield self.after(4, 72)
        self.decide(approve=True)

    def closure_rejected(self) -> Moments:
        yield self.after(4, 72)
        self.propose(SpecialGround.SUB_JUDICE)
        yield self.after(4, 72)
        self.decide(approve=False)
        yield self.after(12, 72)
        self.report()
        yield from self.satisfied()

    def unverified(self) -> Moments:
        yield self.after(4, 72)
        self.report()
        while self.current.closed_at is None:
            yield self.after(0.5, 3, since=self.current.verify_after)
            self.unanswered()

    def escalated_closed(self) -> Moments:
        yield from self.escalated_to(2)
        yield self.after(4, 24)
        self.act(
            services.forward_down,
            self.holder(),
            to_post_id=self.first_post_id,
            note=texts.FORWARD_DOWN_NOTE,
        )
        yield self.after(12, 48)
        self.report()  # the subordinate's report, back up to the post that forwarded it
        yield self.after(4, 24)
        self.act(services.approve_subordinate_report, self.holder())
        yield from self.satisfied()

    def graded_c(self) -> Moments:
        yield self.after(4, 60)
        self.report()
        yield self.after(12, 48)
        self.grade(Grade.C)
        yield self.after(12, 72)
        self.report()
        yield from self.satisfied(may_grade=False)

    def misrouted_forwarded(self) -> Moments:
        yield self.after(4, 30)
        self.return_misrouted()
        yield self.after(2, 24)
        self.desk_forward()
        yield self.after(12, 72)
        self.report()
        yield from self.satisfied()

    def sorted_by_desk(self) -> Moments:
        yield self.after(2, 30)
        self.desk_forward()
        yield self.after(12, 72)
        self.report()
        yield from self.satisfied()

    def returned_to_citizen(self) -> Moments:
        yield self.after(2, 30)
        self.act(services.return_to_citizen, self.world.desk, reason=texts.DETAILS_MISSING)

    def closed_final(self) -> Moments:
        for _level in (1, 2, 3):  # not satisfied at each level; at the top that closes it
            yield self.after(12, 72)
            self.report()
            yield self.after(3, 30)
            self.not_satisfied()

    # ------------------------------------------------------------ shared passages

    def satisfied(self, may_grade: bool = True) -> Moments:
        if self.rng.random() < 0.1:
            yield self.after(2, 5)
            self.unanswered()
        yield self.after(3, 30)
        self.feedback(services.Outcome.SATISFIED)
        if may_grade and self.rng.random() < 0.12:
            yield self.after(24, 72)
            self.grade(self.rng.choice((Grade.A, Grade.B)))

    def escalated_to(self, level: int) -> Moments:
        """Wait until the sweep has moved the complaint up to `level`."""
        while (complaint := self.reread()).level < level:
            yield max(complaint.due_at + SWEEP_EVERY, self.world.now) + dt.timedelta(minutes=1)

    # ------------------------------------------------------------ single steps

    def _register(self) -> None:
        plan, world = self.plan, self.world
        complaint = services.register(
            self._registrar(),
            services.NewComplaint(
                source=plan.source,
                complainant_name=plan.complainant_name,
                mobile=plan.mobile,
                category_id=world.categories[plan.category],
                place_id=world.units[plan.place],
                description=plan.description,
                place_detail=plan.place_detail,
                language=plan.language,
            ),
        )
        # The worker places a new complaint in its cluster right after filing (decision
        # 0079); the history has no worker running, so it does that here, as it happens.
        while services.cluster_new():
            pass
        self.ref, self.first_post_id = complaint.reference, complaint.current_post_id
        self.current = complaint

    def _registrar(self) -> Actor:
        """The agent takes helpline calls, the citizen files on the portal, the desk enters
        what comes from a samadhan diwas, an office or CPGRAMS."""
        return {"helpline": self.world.agent, "portal": self.citizen}.get(
            self.plan.source, self.world.desk
        )

    def report(self) -> None:
        complaint = self.current
        resolved = self.rng.random() > 0.12
        photo_needed = directory.get_category(complaint.category_id).photo_required
        photos = (self._photo(),) if resolved and (photo_needed or self.rng.random() < 0.2) else ()
        details = None
        if self.rng.random() < 0.6:
            details = services.AtrDetails(
                site_visit_on=clock.local_date(self.world.now),
                persons_met=self.rng.choice(texts.PERSONS_MET),
                complainant_statement=self.rng.choice(texts.STATEMENTS),
            )
        finding = self.rng.choice(texts.REPORTS_RESOLVED if resolved else texts.REPORTS_CANNOT)
        self.act(
            services.submit_atr,
            self.world.officer(complaint.current_post_id),
            disposal=Disposal.RESOLVED if resolved else Disposal.CANNOT_RESOLVE,
            report=self._report_text(complaint, finding),
            attachments=photos,
            details=details,
        )

    def _report_text(self, complaint, finding: str) -> str:
        """A report names the day and the village, as officers write them: the same finding
        pasted unchanged onto many complaints is what the copied-text signal is for, and a
        history made of three stock sentences would flag nearly every report."""
        where = complaint.place_detail or directory.get_unit(complaint.place_id).name_hi
        return texts.REPORT_VISIT.format(
            day=clock.local_date(self.world.now).strftime("%d-%m-%Y"), where=where, finding=finding
        )

    def feedback(self, outcome: str, note: str = "") -> None:
        """The complainant's verdict: online for some portal users, else on the agent's call."""
        self.act(services.verify, self.complainant(online=True), outcome=outcome, note=note)

    def not_satisfied(self) -> None:
        self.feedback(services.Outcome.NOT_SATISFIED, self.rng.choice(texts.NOT_SATISFIED))

    def unanswered(self) -> None:
        self.act(
            services.verify,
            self.world.agent,
            outcome=services.Outcome.UNREACHABLE,
            no_answer=self.rng.choice(services.NoAnswer.ALL),
        )

    def remind(self) -> None:
        self.act(services.remind, self.complainant(online=True))

    def grade(self, grade: str) -> None:
        """By the officer above the post that disposed of it (which still holds it)."""
        disposed = directory.get_post(self.current.current_post_id)
        if disposed.superior_id is None:
            return
        remarks = texts.GRADE_C_REMARKS if grade == Grade.C else ""
        self.act(
            services.grade_disposal,
            self.world.officer(disposed.superior_id),
            grade=grade,
            remarks=remarks,
        )

    def propose(self, ground: str) -> None:
        self.act(
            services.propose_special_closure,
            self.holder(),
            ground=ground,
            reason=texts.SPECIAL_REASONS[ground],
        )

    def decide(self, approve: bool) -> None:
        proposer = directory.get_post(self.current.current_post_id)
        note = self.rng.choice(texts.APPROVAL_NOTES) if approve else texts.REJECTION_NOTE
        self.act(
            services.decide_special_closure,
            self.world.officer(proposer.superior_id),
            approve=approve,
            note=note,
        )

    def desk_forward(self) -> None:
        """The desk sends it to the post that must act, under the right category and place."""
        category, place = self.plan.corrected
        category_id, place_id = self.world.categories[category], self.world.units[place]
        self.act(
            services.forward,
            self.world.desk,
            to_post_id=directory.default_l1_post(category_id, place_id).pk,
            category_id=category_id,
            place_id=place_id,
            note=texts.DESK_FORWARD_NOTE,
        )

    def return_misrouted(self) -> None:
        right = directory.get_category(self.world.categories[self.plan.corrected[0]])
        self.act(
            services.return_misrouted,
            self.holder(),
            reason=self.rng.choice(texts.RETURN_REASONS),
            suggestion=right.name_hi,
        )

    # ------------------------------------------------------------ helpers

    def act(self, service: Callable[..., Complaint], actor: Actor, **fields) -> None:
        self.current = service(actor, self.ref, **fields)

    def reread(self) -> Complaint:
        self.current = Complaint.objects.get(reference=self.ref)
        return self.current

    def holder(self) -> Actor:
        return self.world.officer(self.current.current_post_id)

    def complainant(self, online: bool = False) -> Actor:
        """On the portal for half of those who filed there, else through the helpline."""
        on_portal = online and self.plan.source == "portal" and self.rng.random() < 0.5
        return self.citizen if on_portal else self.world.agent

    def after(self, low: float, high: float, since: dt.datetime | None = None) -> dt.datetime:
        """A moment low to high hours after `since` (by default now), put off to office
        hours if it falls outside them."""
        start = max(since or self.world.now, self.world.now)
        moment = clock.local(start + dt.timedelta(hours=self.rng.uniform(low, high)))
        if moment.hour >= CLOSES:
            moment += dt.timedelta(days=1)
        if not OPENS <= moment.hour < CLOSES:
            moment = moment.replace(hour=OPENS, minute=self.rng.randrange(60))
        return moment

    def _photo(self) -> services.Upload:
        """A small JPEG as the officer's phone writes it: taken an hour or two ago, in the
        complaint's district."""
        taken = clock.local(self.world.now) - dt.timedelta(minutes=self.rng.randrange(30, 180))
        latitude, longitude = DISTRICTS[self.plan.district].centre
        exif = Image.Exif()
        exif[DATETIME] = taken.strftime("%Y:%m:%d %H:%M:%S")
        gps = exif.get_ifd(GPS_IFD)
        gps[1], gps[2] = "N", _dms(latitude + self.rng.uniform(-0.05, 0.05))
        gps[3], gps[4] = "E", _dms(longitude + self.rng.uniform(-0.05, 0.05))
        colour = tuple(self.rng.randrange(60, 200) for _ in range(3))
        out = io.BytesIO()
        Image.new("RGB", (64, 48), colour).save(out, "JPEG", exif=exif)
        return services.Upload(f"site-{taken:%Y%m%d-%H%M}.jpg", out.getvalue())


HALF_DAY = dt.timedelta(hours=12)
DATETIME, GPS_IFD = 0x0132, 0x8825  # EXIF tags: when, and the GPS block


def _dms(degrees: float) -> tuple[float, float, float]:
    whole = int(degrees)
    minutes = (degrees - whole) * 60
    return float(whole), float(int(minutes)), round((minutes - int(minutes)) * 60, 2)
