"""The URL table. Every route has a name; links are built from names."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web import (
    api_routes,
    consent,
    health,
    keys,
    live,
    metrics,
    openapi,
    pages_admin,
    pages_auth,
    pages_avatars,
    pages_matches,
    pages_matrix_id,
    pages_people,
    pages_requests,
    pages_safety,
)

STATIC = Path(__file__).resolve().parent / "static"


def setup_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/healthz", health.healthz, name="healthz")
    r.add_get("/ws", live.socket, name="live")
    r.add_get("/metrics", metrics.metrics_page, name="metrics")
    # Internal: the homeserver's consent module (not in the public API document).
    r.add_post(consent.PATH, consent.check, name="consent")
    # JSON API: one entry per operation in web/api_routes.py, which also
    # gives the public paths and the OpenAPI document.
    api_routes.add_routes(r)
    app[keys.PUBLIC_API] = api_routes.PUBLIC_API
    app[keys.API_DOCUMENT] = openapi.document()
    # Pages
    r.add_get("/", pages_auth.home, name="home")
    r.add_get("/signup", pages_auth.signup_form, name="signup")
    r.add_post("/signup", pages_auth.signup_submit)
    r.add_get("/login", pages_auth.login_form, name="login")
    r.add_post("/login", pages_auth.login_submit)
    r.add_get("/logout", pages_auth.logout_form, name="logout")
    r.add_post("/logout", pages_auth.logout)
    r.add_get("/profile", pages_people.profile_form, name="profile")
    r.add_post("/profile", pages_people.profile_submit)
    r.add_post("/profile/avatar", pages_avatars.upload_page, name="profile_avatar")
    r.add_post("/profile/avatar/remove", pages_avatars.remove_page, name="profile_avatar_remove")
    r.add_get("/avatars/{username}", pages_avatars.serve, name="avatar")
    r.add_get("/matrix-id", pages_matrix_id.page, name="matrix_id")
    r.add_post("/matrix-id", pages_matrix_id.link)
    r.add_post("/matrix-id/verify", pages_matrix_id.verify, name="matrix_id_verify")
    r.add_post("/matrix-id/unlink", pages_matrix_id.unlink, name="matrix_id_unlink")
    r.add_get("/discover", pages_people.discover, name="discover")
    r.add_get("/u/{username}", pages_people.user_page, name="user")
    r.add_get("/requests", pages_requests.requests_page, name="requests")
    r.add_post("/requests", pages_requests.send_request, name="send_request")
    r.add_post("/requests/{id}/{action}", pages_requests.answer_request, name="answer_request")
    r.add_get("/matches", pages_requests.matches_page, name="matches")
    r.add_post("/matches/{id}/close", pages_matches.close_match, name="close_match")
    r.add_post("/matches/{id}/block", pages_matches.block_match, name="block_match")
    r.add_post("/u/{username}/block", pages_safety.block_user, name="block_user")
    r.add_post("/u/{username}/report", pages_safety.report_user, name="report_user")
    r.add_get("/blocks", pages_safety.blocks_page, name="blocks")
    r.add_post("/blocks/{username}/unblock", pages_safety.unblock_user, name="unblock_user")
    r.add_get("/admin", pages_admin.people, name="admin_people")
    r.add_post("/admin/users/{username}/suspend", pages_admin.suspend, name="admin_suspend")
    r.add_post("/admin/users/{username}/unsuspend", pages_admin.unsuspend, name="admin_unsuspend")
    r.add_get("/admin/log", pages_admin.action_log, name="admin_log")
    r.add_get("/admin/reports", pages_admin.report_queue, name="admin_reports")
    r.add_post("/admin/reports/{id}/resolve", pages_admin.resolve_report, name="admin_resolve_report")
    r.add_static("/static", STATIC, name="static")
