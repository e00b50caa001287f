"""How Slack failures are explained: hints for Slack's error codes, which API errors are worth
retrying, and which pieces of a webhook URL must never appear in error texts (naming the host, timing
and the rest of the HTTP handling are in :mod:`holdoff.notify.http_delivery`)."""

from __future__ import annotations

from urllib.parse import urlsplit

WEBHOOK_GONE = "the webhook was removed or revoked (or its channel archived): create a new incoming webhook and update webhook_url"
WEBHOOK_HINTS = {
    "invalid_payload": "Slack refused the message payload; trying again will not help",
    "no_service": WEBHOOK_GONE,
    "no_service_id": WEBHOOK_GONE,
    "no_team": WEBHOOK_GONE,
    "team_disabled": WEBHOOK_GONE,
    "invalid_token": WEBHOOK_GONE,
    "channel_not_found": WEBHOOK_GONE,
    "channel_is_archived": "the webhook's channel is archived: unarchive it or create a webhook for another channel",
    "action_prohibited": "a workspace admin restricted posting in the webhook's channel",
    "posting_to_general_channel_denied": "only admins may post in the webhook's channel",
    "user_not_found": WEBHOOK_GONE,
    "invalid_blocks": "Slack refused the message blocks; trying again will not help",
    "invalid_blocks_format": "Slack refused the message blocks; trying again will not help",
}

_CHECK_CREDENTIAL = "check bot_token: it is wrong, revoked or expired (a bot token starts with xoxb-)"
API_HINTS = {
    "not_authed": "no token reached Slack; check bot_token",
    "invalid_auth": _CHECK_CREDENTIAL,
    "token_revoked": _CHECK_CREDENTIAL,
    "token_expired": _CHECK_CREDENTIAL,
    "account_inactive": "the bot's app was uninstalled or its workspace deleted; reinstall the app and update bot_token",
    "not_allowed_token_type": "use a bot token (xoxb-) with the chat:write scope",
    "missing_scope": "the token lacks a scope: give the app chat:write and reinstall it",
    "no_permission": "the token may not do this: give the app chat:write and reinstall it",
    "channel_not_found": "check channel: use the channel ID (like C0123ABCD, from the channel's details), and invite the bot to a private channel",
    "not_in_channel": "invite the bot to the channel (/invite @<app>) or give the app the chat:write.public scope",
    "is_archived": "the channel is archived: unarchive it or set another channel",
    "restricted_action": "a workspace setting prevents the bot from posting in this channel",
    "restricted_action_read_only_channel": "the channel is read-only for the bot",
    "restricted_action_thread_only_channel": "the channel only takes thread replies",
    "restricted_action_non_threadable_channel": "the channel does not allow threads",
    "ekm_access_denied": "workspace admins have suspended posting",
    "team_access_not_granted": "the token has no access to the workspace of this channel",
    "msg_too_long": "Slack refused the message as too long",
    "msg_blocks_too_long": "Slack refused the message blocks as too long",
    "invalid_blocks": "Slack refused the message blocks",
    "invalid_blocks_format": "Slack refused the message blocks",
    "no_text": "Slack refused the message as empty",
    "cant_update_message": "the bot cannot edit that message",
    "edit_window_closed": "the workspace no longer allows editing that message",
    "message_not_found": "the message to update was deleted",
    "thread_not_found": "the message to reply to was deleted",
}
API_RETRYABLE = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)


def secret_parts(url: str) -> list[str]:
    """Pieces of a webhook URL that could give it away, longest first (Slack's path is the secret)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    candidates = [url, parts.path, parts.query, parts.password or ""]
    candidates += [segment for segment in parts.path.split("/") if len(segment) >= 6]
    unique = {candidate for candidate in candidates if candidate and candidate != "/"}
    return sorted(unique, key=len, reverse=True)
