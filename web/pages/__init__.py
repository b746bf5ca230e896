"""The pages people see: server-rendered shells whose small scripts talk to the JSON API.

`bp` is registered by the app factory. Every page is public HTML; staff pages ask
`GET /api/v1/auth/me` from the browser and go to `/login` on 401, so the pages do not depend on
how the auth module keeps its sessions.
"""

from __future__ import annotations

from flask import Blueprint

from web.pages import views

bp = Blueprint(
    "pages",
    __name__,
    template_folder="../templates",
    static_folder="../static",
    static_url_path="/assets",
)

bp.add_url_rule("/", "root", views.root)
bp.add_url_rule("/home", "home", views.home)
bp.add_url_rule("/kiosk", "kiosk", views.kiosk)
bp.add_url_rule("/counter", "counter", views.counter)
bp.add_url_rule("/desk", "desk", views.desk)
bp.add_url_rule("/display", "display", views.display)
bp.add_url_rule("/t/<status_token>", "status", views.status)
bp.add_url_rule("/survey", "survey_counter", views.survey_counter)
bp.add_url_rule("/survey/<status_token>", "survey", views.survey)
bp.add_url_rule("/login", "login", views.login)
bp.add_url_rule("/admin", "admin", views.admin)
bp.add_url_rule("/admin/reports/skm", "admin_skm_report", views.admin_skm_report)
bp.after_request(views.page_headers)

__all__ = ["bp"]
