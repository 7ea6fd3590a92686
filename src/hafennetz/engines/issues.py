"""The structured issue type shared by the engines (grouping, allocation).

An issue is a stable `code` with parameters and an English `message`; the web layer translates
by `code` and fills in `params`, the CLI prints `message`. Readers of files (CSV layers) add
`file`, `line` and `field` so that a user finds the place to fix.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

ParamValue = str | int | float


@dataclass(frozen=True, slots=True)
class Issue:
    """A hard-rule violation, an impossible setting or an invalid input.

    `code` and `params` are stable (the web layer translates them); `message` is English.
    `suggestion` names the nearest feasible setting where one is known.
    """

    code: str
    params: tuple[tuple[str, ParamValue], ...]
    message: str
    suggestion: str = ""
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def param(self, name: str) -> ParamValue | None:
        return dict(self.params).get(name)

    def at(self, file: str, line: int | None = None, field: str | None = None) -> Issue:
        """The same issue located in an input file."""
        return replace(self, file=file, line=line, field=field)

    def where(self) -> str:
        """'file, line 3, field 'size'' (empty if not located)."""
        if self.file is None:
            return ""
        out = self.file
        if self.line is not None:
            out += f", line {self.line}"
        if self.field:
            out += f", field '{self.field}'"
        return out
