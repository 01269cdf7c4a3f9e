"""Over the websocket, only subscriptions: queries and mutations go over HTTP, where the body
limits and the rate limits stand (a mutation sent over the socket would walk around them)."""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


class SubscriptionsOnlyOverWebsocket(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        over_socket = isinstance(getattr(context, "request", None), WebSocket)
        if over_socket and self.execution_context.operation_type is not OperationType.SUBSCRIPTION:
            raise GraphQLError(
                "Kết nối websocket chỉ dùng để theo dõi thay đổi (subscription); truy vấn và "
                "thao tác gửi qua HTTP.", extensions={"code": "FORBIDDEN"})
        yield
