"""The one error handler of the CLI: prints ``Error: …`` and exits with the error's code."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import click

from reconciler.errors import ReconcilerError


class ReconcilerGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReconcilerError as exc:
            if (ctx.obj or {}).get("debug"):
                traceback.print_exc()
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
