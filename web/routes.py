"""The URL table. Every route has a name; links are built from names."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web import api_routes, consent, health, keys, live, metrics, openapi
from web.pages import account, admin, auth, avatars, circles, matches, matrix_id, people, requests, rounds, safety

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
    r.add_get("/", auth.home, name="home")
    r.add_get("/signup", auth.signup_form, name="signup")
    r.add_post("/signup", auth.signup_submit)
    r.add_get("/login", auth.login_form, name="login")
    r.add_post("/login", auth.login_submit)
    r.add_get("/verify-email", auth.verify_email_form, name="verify_email")
    r.add_post("/verify-email", auth.verify_email_submit)
    r.add_get("/forgot", auth.forgot_form, name="forgot")
    r.add_post("/forgot", auth.forgot_submit)
    r.add_get("/reset", auth.reset_form, name="reset")
    r.add_post("/reset", auth.reset_submit)
    r.add_get("/logout", auth.logout_form, name="logout")
    r.add_post("/logout", auth.logout)
    r.add_get("/profile", people.profile_form, name="profile")
    r.add_post("/profile", people.profile_submit)
    r.add_post("/profile/language", people.choose_language, name="profile_language")
    r.add_post("/profile/presence", people.choose_presence, name="profile_presence")
    r.add_get("/account", account.account_page, name="account")
    r.add_post("/account/email", account.change_email, name="account_email")
    r.add_post("/account/email/verify", account.verify_email, name="account_email_verify")
    r.add_post("/account/email/resend", account.resend_code, name="account_email_resend")
    r.add_post("/account/password", account.change_password, name="account_password")
    r.add_post("/account/digest", account.choose_digest, name="account_digest")
    r.add_get("/unsubscribe", account.unsubscribe, name="unsubscribe")
    r.add_get("/account/export", account.export_data, name="account_export")
    r.add_post("/account/delete", account.delete_account, name="account_delete")
    r.add_get("/profile/rounds", rounds.rounds_page, name="rounds")
    r.add_post("/profile/rounds", rounds.save)
    r.add_post("/profile/avatar", avatars.upload_page, name="profile_avatar")
    r.add_post("/profile/avatar/remove", avatars.remove_page, name="profile_avatar_remove")
    r.add_get("/avatars/{username}", avatars.serve, name="avatar")
    r.add_get("/matrix-id", matrix_id.page, name="matrix_id")
    r.add_post("/matrix-id", matrix_id.link)
    r.add_post("/matrix-id/verify", matrix_id.verify, name="matrix_id_verify")
    r.add_post("/matrix-id/unlink", matrix_id.unlink, name="matrix_id_unlink")
    r.add_get("/discover", people.discover, name="discover")
    r.add_get("/u/{username}", people.user_page, name="user")
    r.add_get("/requests", requests.requests_page, name="requests")
    r.add_post("/requests", requests.send_request, name="send_request")
    r.add_post("/requests/{id}/{action}", requests.answer_request, name="answer_request")
    r.add_get("/matches", matches.matches_page, name="matches")
    r.add_post("/matches/{id}/close", matches.close_match, name="close_match")
    r.add_post("/matches/{id}/block", matches.block_match, name="block_match")
    r.add_post("/matches/{id}/checkin", matches.checkin_match, name="checkin_match")
    r.add_get("/circles", circles.circles_page, name="circles")
    r.add_post("/circles", circles.create)
    r.add_get("/circles/{slug}", circles.circle_page, name="circle")
    r.add_post("/circles/{slug}/join", circles.join, name="circle_join")
    r.add_post("/circles/{slug}/leave", circles.leave, name="circle_leave")
    r.add_post("/circles/{slug}/settings", circles.edit, name="circle_edit")
    r.add_post("/circles/{slug}/close", circles.close, name="circle_close")
    r.add_post("/circles/{slug}/members/{username}", circles.moderate, name="circle_member")
    r.add_post("/circles/{slug}/unban", circles.moderate, name="circle_unban")
    r.add_post("/u/{username}/block", safety.block_user, name="block_user")
    r.add_post("/u/{username}/report", safety.report_user, name="report_user")
    r.add_get("/blocks", safety.blocks_page, name="blocks")
    r.add_post("/blocks/{username}/unblock", safety.unblock_user, name="unblock_user")
    r.add_get("/admin", admin.people, name="admin_people")
    r.add_post("/admin/users/{username}/suspend", admin.suspend, name="admin_suspend")
    r.add_post("/admin/users/{username}/unsuspend", admin.unsuspend, name="admin_unsuspend")
    r.add_get("/admin/log", admin.action_log, name="admin_log")
    r.add_get("/admin/outbox", admin.outbox, name="admin_outbox")
    r.add_get("/admin/reports", admin.report_queue, name="admin_reports")
    r.add_get("/admin/rounds", admin.rounds_report, name="admin_rounds")
    r.add_post("/admin/reports/{id}/resolve", admin.resolve_report, name="admin_resolve_report")
    r.add_static("/static", STATIC, name="static")
