"""The URL table. Every route has a name; links are built from names."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from web import (
    api_auth,
    api_docs,
    api_matches,
    api_matrix_id,
    api_people,
    api_requests,
    consent,
    health,
    live,
    metrics,
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
    # JSON API
    r.add_post("/api/v1/auth/signup", api_auth.signup, name="api_signup")
    r.add_post("/api/v1/auth/login", api_auth.login, name="api_login")
    r.add_post("/api/v1/auth/refresh", api_auth.refresh, name="api_refresh")
    r.add_post("/api/v1/auth/logout", api_auth.logout, name="api_logout")
    r.add_get("/api/v1/me", api_people.me, name="api_me")
    r.add_put("/api/v1/me/profile", api_people.update_profile, name="api_profile")
    r.add_put("/api/v1/me/avatar", api_people.upload_avatar, name="api_avatar")
    r.add_delete("/api/v1/me/avatar", api_people.remove_avatar, name="api_remove_avatar")
    r.add_get("/api/v1/me/matrix-id", api_matrix_id.show, name="api_matrix_id")
    r.add_post("/api/v1/me/matrix-id", api_matrix_id.link, name="api_link_matrix_id")
    r.add_post("/api/v1/me/matrix-id/verify", api_matrix_id.verify, name="api_verify_matrix_id")
    r.add_delete("/api/v1/me/matrix-id", api_matrix_id.unlink, name="api_unlink_matrix_id")
    r.add_get("/api/v1/suggestions", api_people.list_suggestions, name="api_suggestions")
    r.add_get("/api/v1/users", api_people.search_users, name="api_users")
    r.add_get("/api/v1/users/{username}", api_people.user_profile, name="api_user")
    r.add_post("/api/v1/requests", api_requests.send, name="api_send_request")
    r.add_get("/api/v1/requests", api_requests.list_requests, name="api_requests")
    r.add_post("/api/v1/requests/{id}/accept", api_requests.accept, name="api_accept")
    r.add_post("/api/v1/requests/{id}/reject", api_requests.reject, name="api_reject")
    r.add_post("/api/v1/requests/{id}/withdraw", api_requests.withdraw, name="api_withdraw")
    r.add_get("/api/v1/matches", api_requests.list_matches, name="api_matches")
    r.add_get("/api/v1/matches/{id}", api_requests.get_match, name="api_match")
    r.add_post("/api/v1/matches/{id}/close", api_matches.close, name="api_close_match")
    r.add_post("/api/v1/matches/{id}/block", api_matches.block, name="api_block_match")
    r.add_post("/api/v1/matches/{id}/report", api_matches.report, name="api_report_match")
    r.add_post("/api/v1/users/{username}/block", api_matches.block_user, name="api_block_user")
    r.add_delete("/api/v1/users/{username}/block", api_matches.unblock_user, name="api_unblock_user")
    r.add_post("/api/v1/users/{username}/report", api_matches.report_user, name="api_report_user")
    r.add_get("/api/v1/me/blocks", api_matches.my_blocks, name="api_blocks")
    r.add_get("/api/v1/openapi.json", api_docs.openapi_json, name="api_openapi")
    r.add_get("/api/docs", api_docs.docs_page, name="api_docs")
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
