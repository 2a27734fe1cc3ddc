"""On a deployment that already has its master data, add the monitoring desk's posts (the
state's and one per district), their time limits and the "other / not sure" category, as
`igrs seed` now does for a new one. Nothing happens on an empty database."""

from django.db import migrations

DESK = ("DESK", "Monitoring desk", "निगरानी डेस्क")
STATE_DESK = ("State monitoring desk (CM office)", "राज्य निगरानी डेस्क (मुख्यमंत्री कार्यालय)")
DISTRICT_DESK = ("District monitoring desk", "जनपद निगरानी डेस्क")
OTHER = ("OTHER", "Other / not sure", "अन्य / पता नहीं")
OTHER_CATEGORY = ("OTHER", "Some other problem, or not sure which", "कोई अन्य समस्या, या पता नहीं")


def add_desks(apps, schema_editor):
    Unit = apps.get_model("directory", "Unit")
    Department = apps.get_model("directory", "Department")
    Post = apps.get_model("directory", "Post")
    TimeLimit = apps.get_model("directory", "TimeLimit")
    Category = apps.get_model("directory", "Category")
    state = Unit.objects.filter(kind="state").first()
    if state is None:
        return
    code, en, hi = DESK
    desk, _new = Department.objects.get_or_create(
        code=code, defaults={"name_en": en, "name_hi": hi, "l1_unit_kind": "district", "desk": True}
    )
    top, _new = Post.objects.get_or_create(
        code=f"{code}-{state.code}",
        defaults={"department": desk, "unit": state, "level": 3,
                  "designation_en": STATE_DESK[0], "designation_hi": STATE_DESK[1]},
    )
    for district in Unit.objects.filter(kind="district").exclude(posts__department=desk):
        Post.objects.create(
            code=f"{code}-{district.code}", department=desk, unit=district, level=2,
            designation_en=DISTRICT_DESK[0], designation_hi=DISTRICT_DESK[1], superior=top,
        )
    for level in (2, 3):
        TimeLimit.objects.get_or_create(
            department=desk, level=level, source="", category=None,
            defaults={"days": 2, "counting": "calendar"},
        )
    code, en, hi = OTHER
    other, _new = Department.objects.get_or_create(
        code=code, defaults={"name_en": en, "name_hi": hi, "l1_unit_kind": "district"}
    )
    code, en, hi = OTHER_CATEGORY
    Category.objects.get_or_create(
        code=code, defaults={"department": other, "name_en": en, "name_hi": hi, "to_desk": True}
    )


class Migration(migrations.Migration):
    dependencies = [("directory", "0006_desks_other_category_department_limits")]

    operations = [migrations.RunPython(add_desks, migrations.RunPython.noop)]
