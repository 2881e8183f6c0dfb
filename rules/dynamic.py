"""Calls of functions held in variables (``srcad.dynamic``) find their
derivative at run time. Differentiating such generated code again (a second
derivative through a function passed as a value) has no rule yet: srcad
says so rather than guess."""

from srcad.ruledef import RuleSet

rules = RuleSet("dynamic")
