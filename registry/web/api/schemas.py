"""Marshmallow schemas shared by the API resources: the single definition used to
validate requests and to describe them in the OpenAPI document."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

ID = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))


def text(max_len: int, **kw) -> fields.String:
    return fields.String(validate=validate.Length(max=max_len), **kw)


def one_of(values, **kw) -> fields.String:
    return fields.String(validate=validate.OneOf([str(v) for v in values]), **kw)


def ids(**kw) -> fields.List:
    return fields.List(
        fields.Integer(validate=validate.Range(min=1, max=2**31 - 1)),
        validate=validate.Length(max=50),
        **kw,
    )


class StrictSchema(Schema):
    """Unknown fields in a request are an error (422), not silently ignored."""

    class Meta:
        ordered = True


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Per-field messages (422 only)."},
    )


class NetworkRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class ListMetaSchema(Schema):
    next_cursor = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "Pass as ?cursor= for the next page"},
    )


class ReasonSchema(StrictSchema):
    reason = fields.String(allow_none=True, validate=validate.Length(max=40))
    text = text(1000, load_default="")
