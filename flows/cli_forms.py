"""`vigie forms build`: the field forms (XLSForm, for KoboToolbox and ODK) generated from the contract."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def forms() -> None:
    """Field forms generated from the data contract (see the README, "Forms for the field")."""


@forms.command("build")
@click.option(
    "--table", "tables", multiple=True, help="Build only this table's form, in English or French (repeatable)."
)
@click.option("--lang", "language", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
              help="The language the form opens in (both are in every form).")  # fmt: skip
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
def forms_build(tables: tuple[str, ...], language: str, out_dir: Path) -> None:
    """Write each field table's XLSForm to OUT, with the registry's clusters.csv and actors.csv beside it and the
    mapping intake reads its exports with (also put in VIGIE_FORMS_DIR)."""
    from flows.cli import _settings
    from flows.grids import grid_in_force
    from schemas.readers.names import table_from_option
    from schemas.xlsform import build_form, field_tables
    from schemas.xlsform_files import registry_choices, write_field_form, write_registry
    from warehouse.parquet_store import read_tables

    chosen = [table_from_option(name) or name for name in tables] or field_tables()
    unknown = [name for name in chosen if name not in field_tables()]
    if unknown:
        raise click.UsageError(f"not a field table: {', '.join(unknown)} (field tables: {', '.join(field_tables())})")
    settings = _settings()
    registry = read_tables(settings.store_dir, ["clusters", "actors"])
    if "clusters" not in registry or "actors" not in registry:
        raise click.ClickException("the registry has no clusters or no actors yet: submit clusters.csv and actors.csv")
    indicators = {entry.id: {"fr": entry.label_fr, "en": entry.label_en} for entry in grid_in_force(settings).entries}
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in write_registry(registry_choices(registry["clusters"], registry["actors"]), out_dir):
        click.echo(f"{path}  ({path.name}: attach it to every form as a media file)")
    for table in chosen:
        form = build_form(table, language, indicators=indicators)
        try:
            paths = write_field_form(form, out_dir, settings.forms_dir)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"{paths[0]}  (form {form.form_id}, version {form.version}; mapping in {paths[-1].parent})")


COMMANDS = [forms]
