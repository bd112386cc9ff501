"""The justice part of the demo consortium: filled in below."""

from __future__ import annotations

from karpear.core.registry import DemoContext


def load(context: DemoContext) -> None:
    return None
