from django.contrib import admin

from .models import (
    Category,
    Department,
    Holiday,
    Officer,
    Post,
    Posting,
    RoutingRule,
    TimeLimit,
    Unit,
)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name_hi", "name_en", "kind", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name_hi", "name_en")
    raw_id_fields = ("parent",)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name_hi", "name_en", "l1_unit_kind")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_hi", "name_en", "department", "active")
    list_filter = ("department", "active")
    search_fields = ("code", "name_hi", "name_en")


class PostingInline(admin.TabularInline):
    model = Posting
    extra = 0
    raw_id_fields = ("officer",)


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("code", "designation_hi", "designation_en", "unit", "level", "active")
    list_filter = ("level", "department", "active")
    search_fields = ("code", "designation_hi", "designation_en", "unit__name_en", "unit__name_hi")
    raw_id_fields = ("unit", "superior")
    inlines = [PostingInline]


@admin.register(Officer)
class OfficerAdmin(admin.ModelAdmin):
    list_display = ("name_hi", "name_en", "mobile", "user")
    search_fields = ("name_hi", "name_en", "mobile")
    raw_id_fields = ("user",)


@admin.register(Posting)
class PostingAdmin(admin.ModelAdmin):
    list_display = ("officer", "post", "start", "end", "additional_charge")
    raw_id_fields = ("officer", "post")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "unit", "post")
    raw_id_fields = ("unit", "post")


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ("source", "category", "level", "days", "counting")


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ("date", "name_hi", "name_en")
