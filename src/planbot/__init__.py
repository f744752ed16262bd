"""planbot: cited answers from Swedish library plans and policy documents."""

__version__ = "0.1.0"
