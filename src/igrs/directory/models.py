"""Master data: geography, departments, categories, posts, postings, routing, time limits."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from igrs.core.text import nfc


def localised(english: str, hindi: str, language: str | None = None) -> str:
    """English when the language (by default the active one) is English; Hindi otherwise."""
    return english if (language or get_language() or "hi").startswith("en") else hindi


def post_title(designation: str, unit_name: str) -> str:
    """A post as people name it: "Tehsildar, Sadar"."""
    return f"{designation}, {unit_name}"


class Bilingual(models.Model):
    """Every master-data row carries a Hindi and an English name."""

    name_hi = models.CharField(_("name (Hindi)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.name_hi, self.name_en = nfc(self.name_hi), nfc(self.name_en)
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return localised(self.name_en, self.name_hi)

    def __str__(self) -> str:
        return f"{self.name_en} / {self.name_hi}"


class UnitKind(models.TextChoices):
    STATE = "state", _("State")
    DIVISION = "division", _("Division")
    DISTRICT = "district", _("District")
    TEHSIL = "tehsil", _("Tehsil")
    BLOCK = "block", _("Block")
    THANA = "thana", _("Police station")


class Unit(Bilingual):
    """One place in the administrative tree: state → division → district → tehsil → block,
    and thana under a district."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Where the unit's headquarters is, when known: photo evidence taken far from the place
    # of a complaint is flagged. The nearest unit above with coordinates stands in.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("administrative unit")
        verbose_name_plural = _("administrative units")
        indexes = [models.Index(fields=["parent", "kind"])]

    def __str__(self) -> str:
        return f"{self.name_en} ({self.get_kind_display()})"


class Department(Bilingual):
    code = models.CharField(_("code"), max_length=20, unique=True)
    l1_unit_kind = models.CharField(
        _("kind of unit its first-level posts serve"), max_length=10, choices=UnitKind.choices
    )
    # The monitoring desk is an office too: a desk post per district and one for the state
    # hold the complaints no officer can take yet, under a time limit like any post.
    desk = models.BooleanField(_("monitoring desk"), default=False)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")


class Category(Bilingual):
    code = models.CharField(_("code"), max_length=40, unique=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="categories",
    )
    active = models.BooleanField(_("active"), default=True)
    # Physical works (a road, a transformer, land): "resolved" must come with a photo.
    photo_required = models.BooleanField(_("photo required for a resolved report"), default=False)
    # "Other / not sure": the citizen could not find their category; the desk decides.
    to_desk = models.BooleanField(_("goes to the monitoring desk"), default=False)

    class Meta:
        verbose_name = _("complaint category")
        verbose_name_plural = _("complaint categories")


class Post(models.Model):
    """An office position. Complaints are assigned to posts, never to persons."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="posts"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="posts"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    designation_hi = models.CharField(_("designation (Hindi)"), max_length=200)
    designation_en = models.CharField(_("designation (English)"), max_length=200)
    superior = models.ForeignKey(
        "self",
        verbose_name=_("superior post"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subordinates",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["department", "unit", "level"])]

    @property
    def title_hi(self) -> str:
        return post_title(self.designation_hi, self.unit.name_hi)

    @property
    def title_en(self) -> str:
        return post_title(self.designation_en, self.unit.name_en)

    @property
    def title(self) -> str:
        return self.title_in()

    def title_in(self, language: str | None = None) -> str:
        return localised(self.title_en, self.title_hi, language)

    def __str__(self) -> str:
        return self.title_en


class Officer(models.Model):
    """A person who holds posts through postings; may log in as a user."""

    name_hi = models.CharField(_("name (Hindi)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    mobile = models.CharField(_("mobile"), max_length=16)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(
        _("SMS language"), max_length=5, choices=settings.LANGUAGES, default="hi"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="officer",
    )

    class Meta:
        verbose_name = _("officer")
        verbose_name_plural = _("officers")

    @property
    def name(self) -> str:
        return localised(self.name_en, self.name_hi)

    def __str__(self) -> str:
        return self.name_en


class Posting(models.Model):
    """Who holds which post, from when to when. An open posting has no end date."""

    officer = models.ForeignKey(
        Officer, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="postings"
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="postings"
    )
    start = models.DateField(_("posted from"))
    end = models.DateField(_("posted until"), null=True, blank=True)
    additional_charge = models.BooleanField(_("additional charge"), default=False)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        indexes = [models.Index(fields=["post", "end"]), models.Index(fields=["officer", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="posting_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer} → {self.post}"


class RoutingRule(models.Model):
    """Overrides the default routing (department's L1 post of the place) for a category,
    optionally only within one unit (and everything under it)."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="rules"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("applies within unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    post = models.ForeignKey(Post, verbose_name=_("assign to post"), on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(fields=["category", "unit"], name="one_rule_per_category_unit")
        ]


class Counting(models.TextChoices):
    WORKING = "working", _("Working days (Sundays and holidays skipped)")
    CALENDAR = "calendar", _("Calendar days")


class TimeLimit(models.Model):
    """Days a post has to dispose of a complaint. The most specific row wins: one for the
    post's department first, then source and category both set, then category only, then
    source only, then neither."""

    source = models.CharField(_("source"), max_length=20, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE
    )
    # Only for posts of this department (e.g. the monitoring desk's own limit); most specific.
    department = models.ForeignKey(
        Department,
        verbose_name=_("for posts of department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    level = models.PositiveSmallIntegerField(_("level"))
    days = models.PositiveSmallIntegerField(_("days"))
    counting = models.CharField(
        _("counting"), max_length=10, choices=Counting.choices, default=Counting.CALENDAR
    )

    class Meta:
        verbose_name = _("time limit")
        verbose_name_plural = _("time limits")


class Holiday(Bilingual):
    date = models.DateField(_("date"), unique=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")


class DeskMember(models.Model):
    """A monitoring-desk account working one desk (a district's, or the state's). A desk
    account with none works every desk, as the state's desk does."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.CASCADE,
        related_name="desks",
    )
    post = models.ForeignKey(
        Post,
        verbose_name=_("desk"),
        on_delete=models.CASCADE,
        related_name="members",
        limit_choices_to={"department__desk": True},
    )

    class Meta:
        verbose_name = _("desk member")
        verbose_name_plural = _("desk members")
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="one_desk_membership")]

    def __str__(self) -> str:
        return f"{self.user} → {self.post}"
