"""The in-app inbox."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields

from grid_api.notifications import inbox, views
from grid_api.web import auth, db, permissions
from grid_api.web.blueprint import Blueprint
from grid_api.web.i18n import negotiate_locale
from grid_api.web.pagination import PageArgsSchema, paginate
from models.notification import Notification

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications",
                description="Your inbox: every message, whether or not a push arrived")


class InboxArgsSchema(PageArgsSchema):
    unread = fields.Boolean(load_default=False)


class NotificationSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    case_id = fields.Integer(allow_none=True)
    title = fields.String()
    body = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(allow_none=True)
    unread = fields.Integer()


@blp.route("")
class Inbox(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.arguments(InboxArgsSchema, location="query")
    @blp.response(200, InboxSchema)
    def get(self, args):
        """Your messages, newest first, in your language; `unread` counts the unread."""
        user_id = auth.current_principal().user_id
        page = paginate(db.session(), inbox.inbox_query(
            user_id, unread_only=args["unread"]), order_by=[Notification.id],
            limit=args["limit"], cursor=args["cursor"])
        locale = negotiate_locale()
        return {"items": [views.render(m, locale) for m in page.items],
                "next_cursor": page.next_cursor,
                "unread": inbox.unread_count(db.session(), user_id)}


@blp.route("/<int:notification_id>/read")
class MarkRead(MethodView):
    @permissions.require(permissions.AUTHENTICATED)
    @blp.response(200, NotificationSchema)
    @db.transactional
    def post(self, notification_id):
        """Mark a message read (again is fine)."""
        message = inbox.mark_read(db.session(), auth.current_principal().user_id,
                                          notification_id)
        return views.render(message, negotiate_locale())
