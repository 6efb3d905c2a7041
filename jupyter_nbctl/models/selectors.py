"""Label selectors, as in `metav1.LabelSelector`."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from jupyter_nbctl.models.base import KubeModel


class LabelSelectorRequirement(KubeModel):
    """One rule of a label selector."""

    key: str
    """The label key the rule applies to."""
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    """How the key relates to the values: In, NotIn, Exists or DoesNotExist."""
    values: list[str] | None = None
    """The values for In and NotIn; empty for Exists and DoesNotExist."""


class LabelSelector(KubeModel):
    """Labels an object must have; an empty selector matches everything."""

    match_labels: dict[str, str] | None = None
    """Labels that must be present with exactly these values."""
    match_expressions: list[LabelSelectorRequirement] | None = Field(default=None)
    """Rules that must all hold."""

    def matches(self, labels: dict[str, str] | None) -> bool:
        """Whether an object with these labels is selected."""
        labels = labels or {}
        for key, value in (self.match_labels or {}).items():
            if labels.get(key) != value:
                return False
        for rule in self.match_expressions or []:
            present = rule.key in labels
            values = rule.values or []
            if rule.operator == "Exists" and not present:
                return False
            if rule.operator == "DoesNotExist" and present:
                return False
            if rule.operator == "In" and labels.get(rule.key) not in values:
                return False
            if rule.operator == "NotIn" and present and labels[rule.key] in values:
                return False
        return True
