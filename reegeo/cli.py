"""Command line: ``python -m reegeo COMMAND``.

Each command is a docstring and a few library calls. Library errors
(``ReegeoError``) are turned into one line on stderr and exit code 2 in
exactly one place, :func:`main`.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from reegeo import __version__
from reegeo.errors import ReegeoError
from reegeo.i18n import t
from reegeo.io.exports import TABLE_FORMATS, write_results
from reegeo.io.sites import UploadLimits, read_sites
from reegeo.layers.coverage import unverified_summary
from reegeo.layers.load import load_layers
from reegeo.project import open_project, read_project
from reegeo.report.write import REPORT_FORMATS, REPORT_SCOPES, ReportOptions, build_audit, write_report
from reegeo.screening.distributed import Engine
from reegeo.screening.engine import input_column_notes
from reegeo.screening.rules import load_rules
from reegeo.screening.summary import verdict_counts
from reegeo.vocab import LayerStatus, Relation

__all__ = ["main", "build_parser"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
_PROGRESS_MIN_SITES = 5_000


# The flags that stand for the library's arguments in its errors ({value}: the offending value).
CLI_ARGUMENTS = {
    "layers": "--layer {value}=PATH",
    "layer": "--sites-layer NAME",
    "id_column": "--id-column {value}",
    "title": "--title",
    "reference": "--reference",
    "author": "--author",
    "scope": "--report-sites",
    "coordinate_columns": "--x-column/--y-column",
    "max_site_km2": "--max-site-km2 N",
    "max_read_s": "--max-read-s S",
    "x_column": "--x-column {value}",
    "y_column": "--y-column {value}",
    "max_features": "--max-features N",
    "scheduler": "--scheduler",
    "endpoint": "--endpoint URL",
    "states": "--state",
    "covers": "--covers",
    "state": "--state",
}


class _UsageError(ReegeoError):
    """Bad command-line arguments."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that reports errors as one line, through main's handler."""

    def error(self, message: str) -> NoReturn:  # argparse API
        raise _UsageError(f"{message} (see 'python -m reegeo {self.prog.split()[-1]} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m reegeo``."""
    parser = _Parser(prog="reegeo", description="Screen candidate rare-earth refinery sites in Malaysia.")
    parser.add_argument("--version", action="version", version=f"reegeo {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    screen = commands.add_parser("screen", help="screen candidate sites and write the results")
    screen.add_argument("sites", metavar="SITES", nargs="?", help="candidate sites: GeoJSON, zipped Shapefile, GeoPackage, KML/KMZ, CSV, Excel, GeoParquet or FlatGeobuf (optional with --project)")
    screen.add_argument("-o", "--output", required=True, metavar="OUT", help="output file; its suffix picks the format: " + ", ".join(sorted({**TABLE_FORMATS, **REPORT_FORMATS})))
    screen.add_argument(
        "--project", metavar="FILE.reegeo",
        help="a project saved from the app: its sites (with the columns chosen), rules, rule notes, session layers, language and "
        "report settings; SITES, --rules, --layer and the report options given as well take precedence",
    )
    screen.add_argument("--lang", choices=("en", "ms"), help="language of a .pdf/.html report: en (English, default) or ms (Bahasa Malaysia)")
    screen.add_argument("--title", metavar="TEXT", help="title of a .pdf/.html report")
    screen.add_argument("--reference", metavar="TEXT", help="your reference number, printed under a report's title")
    screen.add_argument("--author", metavar="TEXT", help="who prepared a .pdf/.html report, printed under its title")
    screen.add_argument(
        "--report-sites", choices=REPORT_SCOPES, metavar="WHICH",
        help="which sites get a page in a .pdf/.html report: all (default), flagged (prohibited and review only) or summary (none: counts, maps and tables)",
    )
    screen.add_argument("--rules", metavar="RULES.toml", help="rules file (default: the bundled geodata/rules.toml)")
    screen.add_argument("--layer", action="append", default=[], metavar="NAME=PATH", help="replace or add a layer for this run, e.g. forest_reserves=jpsm.gpkg (repeatable)")
    screen.add_argument("--sites-layer", metavar="NAME", help="layer to read from a multi-layer SITES file (e.g. a GeoPackage)")
    screen.add_argument("--x-column", metavar="NAME", help="a CSV/Excel column holding longitude (or easting), instead of the usual names")
    screen.add_argument("--y-column", metavar="NAME", help="a CSV/Excel column holding latitude (or northing), instead of the usual names")
    screen.add_argument("--id-column", metavar="NAME", help="column holding the site ids (default: the first of site_id, id, name, nama, site, tapak, ... in any case)")
    screen.add_argument("--max-features", type=int, metavar="N", help="most sites to accept from SITES (default 100000)")
    screen.add_argument("--max-site-km2", type=float, metavar="N", help="largest area of one site in km² (default 5000): larger ones are refused as not a site")
    screen.add_argument("--max-read-s", type=float, metavar="S", help="longest time reading SITES may take, in seconds (default 120): a slower file is stopped and refused")
    screen.add_argument("--engine", choices=("memory", "dask"), default="memory", help="screen in this process (memory, default) or partitioned on a dask cluster (dask)")
    screen.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: scheduler address, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    screen.set_defaults(handler=_screen)

    surface = commands.add_parser("surface", help="classify a national grid of cells as prohibited, review or eligible")
    surface.add_argument("-o", "--output", required=True, metavar="OUT", help="output file: .gpkg (GeoPackage) or .parquet (GeoParquet)")
    surface.add_argument("--cell-m", type=float, default=5000.0, metavar="N", help="cell side in metres (default 5000)")
    surface.add_argument("--rules", metavar="RULES.toml", help="rules file (default: the bundled geodata/rules.toml)")
    surface.add_argument("--layer", action="append", default=[], metavar="NAME=PATH", help="replace or add a layer for this run (repeatable)")
    surface.set_defaults(handler=_surface)

    layers = commands.add_parser("layers", help="list the layers in use with their provenance and accuracy")
    layers.add_argument("--layer", action="append", default=[], metavar="NAME=PATH", help="show as if this file replaced a layer")
    layers.set_defaults(handler=_layers)

    rules = commands.add_parser("rules", help="list the screening rules")
    rules.add_argument("--rules", metavar="RULES.toml", help="rules file (default: the bundled one)")
    rules.set_defaults(handler=_rules)

    data = commands.add_parser("data", help="install, list or reset authoritative layers")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION", parser_class=_Parser)
    data_commands.required = True
    install = data_commands.add_parser("import", help="validate a file and install it as layer NAME")
    install.add_argument("name", metavar="NAME", help="layer name, e.g. forest_reserves or water_catchments")
    install.add_argument("path", metavar="PATH", help="the layer file (any accepted format and CRS)")
    install.add_argument("--source", help="where the data comes from (citation)")
    install.add_argument("--licence", help="the data's licence")
    install.add_argument("--accuracy-m", type=float, metavar="N", help="positional accuracy in metres (default: the file's accuracy_m column, else 0)")
    install.add_argument("--title", help="a title for the layer")
    install.add_argument("--authoritative", action="store_true", help="mark the layer as an authoritative boundary (e.g. a JPSM gazette map)")
    install.add_argument("--file-layer", metavar="LAYER", help="layer to read from a multi-layer file (e.g. a GeoPackage)")
    install.add_argument(
        "--covers", metavar="STATES",
        help="comma-separated states in which the file is complete (e.g. 'Johor' or 'Selangor, Kuala Lumpur'; any case; "
        "or 'all'): there its features replace the layer's earlier ones and sites can be cleared; "
        "without it the features are added and no state counts as complete",
    )
    # Here a multi-layer file's layer is chosen with --file-layer, not --sites-layer.
    install.set_defaults(handler=_data_import, flags={"layer": "--file-layer LAYER"})
    fetch = data_commands.add_parser(
        "fetch-osm",
        help="fetch forest reserves, parks or reservoirs from OpenStreetMap (Overpass API) for some states and install them",
        description="Fetch LAYER from an Overpass API server, one state at a time, and install it like 'data import' "
        "(OpenStreetMap contributors, ODbL 1.0; not authoritative). OSM's completeness varies by state: it claims no "
        "coverage unless you pass --covers for the states you have checked are mapped completely.",
    )
    fetch.add_argument("name", metavar="LAYER", choices=("forest_reserves", "protected_areas", "reservoirs"), help="forest_reserves, protected_areas or reservoirs")
    fetch.add_argument("--state", action="append", required=True, metavar="NAME", help="a state to fetch (repeatable; any case, e.g. Selangor, Penang, KL)")
    fetch.add_argument("--covers", metavar="STATES", help="states (among --state) whose OSM mapping you accept as complete: sites there can then be cleared")
    fetch.add_argument("--endpoint", metavar="URL", help="Overpass interpreter URL (default $REEGEO_OVERPASS_URL, else the public server)")
    fetch.add_argument("--accuracy-m", type=float, default=20.0, metavar="N", help="positional accuracy in metres (default 20)")
    fetch.add_argument("--timeout-s", type=float, default=180.0, metavar="N", help="time limit per state in seconds (default 180)")
    fetch.set_defaults(handler=_data_fetch_osm)
    listing = data_commands.add_parser("list", help="show the layers in use and where each comes from")
    listing.set_defaults(handler=_data_list)
    reset = data_commands.add_parser("reset", help="remove an installed layer (or one state's imports) and use the bundled one again")
    reset.add_argument("name", metavar="NAME")
    reset.add_argument("--state", metavar="STATE", help="remove only what the imports say about this state")
    reset.set_defaults(handler=_data_reset)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (0 success, 2 bad input or arguments)."""
    parser = build_parser()
    # Library warnings (GDAL via pyogrio, shapely) never reach stderr raw: on success they
    # become notes, after an error the one-line message stands alone.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        flags = CLI_ARGUMENTS
        try:
            args = parser.parse_args(argv)
            flags = {**CLI_ARGUMENTS, **getattr(args, "flags", {})}
            code = args.handler(args)
        except ReegeoError as exc:
            print(f"reegeo: error: {_one_line(exc.describe(flags))}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except KeyboardInterrupt:
            print("reegeo: interrupted", file=sys.stderr)
            return 130
    quiet = (DeprecationWarning, PendingDeprecationWarning, FutureWarning, ResourceWarning)
    for message in dict.fromkeys(_one_line(str(w.message)) for w in caught if not issubclass(w.category, quiet)):
        print(f"reegeo: note: {message}", file=sys.stderr)
    return code


def _screen(args: argparse.Namespace) -> int:
    """Screen SITES against the layers and rules; write OUT."""
    output = Path(args.output)
    if output.suffix.lower() not in {**TABLE_FORMATS, **REPORT_FORMATS}:
        raise _UsageError(f"output {output.name!r}: unknown format {output.suffix or '(no suffix)'!r}; use one of {', '.join(sorted({**TABLE_FORMATS, **REPORT_FORMATS}))}")
    limits = UploadLimits() if args.max_features is None else _limits_with(UploadLimits(), args.max_features)
    if args.max_site_km2 is not None:
        if not args.max_site_km2 > 0:
            raise _UsageError(f"--max-site-km2 {args.max_site_km2:g}: give a positive area in km²")
        limits = replace(limits, max_site_km2=args.max_site_km2)
    if args.max_read_s is not None:
        if not args.max_read_s > 0:
            raise _UsageError(f"--max-read-s {args.max_read_s:g}: give a positive number of seconds")
        limits = replace(limits, max_read_s=args.max_read_s)
    if args.scheduler and args.engine != "dask":
        raise _UsageError(f"--scheduler {args.scheduler} needs --engine dask: add --engine dask or drop --scheduler")
    if args.sites is None and args.project is None:
        raise _UsageError("give the SITES file to screen, or --project FILE.reegeo (see 'python -m reegeo screen --help')")
    overrides = _parse_layer_args(args.layer)
    inputs = [Path(p) for p in (args.sites, args.rules, args.project) if p]
    _refuse_overwriting_inputs(output, [*inputs, *overrides.values()])
    project = opened = None
    if args.project:
        project = read_project(Path(args.project))
        opened = open_project(project, limits=limits)
    rules = load_rules(args.rules) if args.rules or opened is None else opened.rules
    # The project's session layers, unless --layer gives a file for the same name.
    layers = load_layers(overrides=overrides)
    if opened is not None:
        layers.update({name: layer for name, layer in opened.overrides.items() if name not in overrides})
    id_column = args.id_column
    if args.sites:
        upload = read_sites(Path(args.sites), layer=args.sites_layer, limits=limits, x_column=args.x_column, y_column=args.y_column)
        sites_file: Path | bytes = Path(args.sites)
    elif opened is not None and opened.sites is not None and project is not None and project.sites is not None:
        upload, sites_file = opened.sites, project.sites.data
        id_column = id_column or project.sites.id_column
    else:
        raise _UsageError(f"project {Path(args.project).name!r} holds no sites: give a SITES file to screen with it")
    for note in upload.notes:
        print(f"reegeo: note: {note}", file=sys.stderr)
    progress = _print_progress if len(upload.frame) >= _PROGRESS_MIN_SITES else None
    engine = Engine(dask=args.engine == "dask", scheduler=args.scheduler)
    results = engine.screen(upload.frame, layers, rules, progress=progress, id_column=id_column)
    if output.suffix.lower() in REPORT_FORMATS:
        rules_file = Path(args.rules) if args.rules else (project.rules if project is not None else None)
        audit = build_audit(sites_file, rules_file, layers, sites_name=upload.filename)
        # The project's rule notes describe its own rules: a --rules file given instead has none.
        base = ReportOptions() if project is None else (project.report if args.rules else project.report_options())
        chosen = {"title": args.title, "reference": args.reference, "author": args.author, "scope": args.report_sites}
        options = replace(base, **{k: v for k, v in chosen.items() if v is not None})
        lang = args.lang or (project.lang if project is not None else "en")
        write_report(results, output, rules=rules, layers=layers, audit=audit, lang=lang, options=options)
    else:
        write_results(results, output)
    for note in input_column_notes(results):
        print(f"reegeo: note: {note}", file=sys.stderr)
    _note_approximate(layers)
    unverified = unverified_summary(results, layers)
    if unverified:
        print(f"reegeo: note: {unverified}; see 'python -m reegeo layers'", file=sys.stderr)
    summary = ", ".join(f"{n} {v}" for v, n in verdict_counts(results).items())
    print(f"reegeo: screened {len(results)} site(s): {summary}; wrote {output}", file=sys.stderr)
    return EXIT_OK


def _surface(args: argparse.Namespace) -> int:
    """Classify every grid cell of Malaysia; write OUT and print the area per state and verdict."""
    from reegeo.screening.surface import (
        SURFACE_FORMATS,
        build_surface,
        surface_totals,
        write_surface,
    )

    output = Path(args.output)
    if output.suffix.lower() not in SURFACE_FORMATS:
        raise _UsageError(f"output {output.name!r}: unknown format {output.suffix or '(no suffix)'!r}; use one of {', '.join(sorted(SURFACE_FORMATS))}")
    overrides = _parse_layer_args(args.layer)
    _refuse_overwriting_inputs(output, [*([Path(args.rules)] if args.rules else []), *overrides.values()])
    rules = load_rules(args.rules)
    layers = load_layers(overrides=overrides)
    surface = build_surface(layers, rules, cell_m=args.cell_m)
    write_surface(surface, output)
    _note_approximate(layers)
    print(surface_totals(surface).to_string(index=False))
    print(f"reegeo: classified {len(surface)} cell piece(s) of {args.cell_m:g} m; wrote {output}", file=sys.stderr)
    return EXIT_OK


def _layers(args: argparse.Namespace) -> int:
    """Print each layer with its provenance and accuracy."""
    layers = load_layers(overrides=_parse_layer_args(args.layer))
    for layer in layers.values():
        status = layer.status.label if layer.status == LayerStatus.NOT_AUTHORITATIVE else layer.status.upper()
        print(f"{layer.name}: {layer.title}")
        print(f"  features: {layer.feature_count}; accuracy: {layer.accuracy_m:g} m; {status}; origin: {layer.origin}")
        if layer.role == "constraint":
            print(f"  coverage: {layer.coverage.describe()}")
        print(f"  source: {layer.source}")
        print(f"  licence: {layer.licence}; date: {layer.date}")
    return EXIT_OK


def _rules(args: argparse.Namespace) -> int:
    """Print the screening rules."""
    for rule in load_rules(args.rules):
        relation = rule.relation if rule.relation != Relation.WITHIN_DISTANCE else f"within {rule.distance_m:g} m of"
        target = f" {rule.layer}" if rule.layer else " every site"
        print(f"{rule.id} [{rule.severity}]: {relation}{target}")
        print(f"  basis: {rule.legal_basis}")
    return EXIT_OK


def _data_import(args: argparse.Namespace) -> int:
    """Validate PATH and install it as layer NAME in the user data folder."""
    from reegeo.layers.store import import_layer

    if args.accuracy_m is not None and args.accuracy_m < 0:
        raise _UsageError(f"--accuracy-m {args.accuracy_m:g}: give the accuracy in metres, 0 or more")
    if not Path(args.path).exists():
        raise _UsageError(f"file {args.path} does not exist: check the path")
    report = import_layer(
        args.name, args.path, covers=args.covers, source=args.source, licence=args.licence, accuracy_m=args.accuracy_m,
        title=args.title, authoritative=args.authoritative, layer=args.file_layer,
    )
    for note in report.notes:
        print(f"reegeo: note: {note}", file=sys.stderr)
    print(
        f"installed {report.name}: {report.features} feature(s) from {args.path} ({report.source_crs}), "
        f"names from column {report.name_field or '(none: numbered)'}; sha256 {report.sha256[:12]}...; at {report.path}"
    )
    if report.covers == ("all",):
        print(f"  complete in every state: it replaces every earlier feature of {report.name}")
    elif report.covers:
        print(f"  complete in {', '.join(report.covers)}: replaces {report.name}'s earlier features there; other states unchanged")
    else:
        print(
            f"  added to {report.name} without claiming any state complete (no --covers): sites where nothing is "
            f"recorded still need review; import with --covers STATES to let them be cleared"
        )
    if report.outside_covers:
        print(f"  {report.outside_covers} feature(s) lie outside {', '.join(report.covers)}: kept, but they make no other state complete")
    if report.replaced:
        print(f"  replaced {report.replaced} earlier import(s) for the same states")
    return EXIT_OK


def _data_fetch_osm(args: argparse.Namespace) -> int:
    """Fetch LAYER from OpenStreetMap for each --state and install it (coverage only with --covers)."""
    import os

    from reegeo.layers.osm import (
        DEFAULT_ENDPOINT,
        ENDPOINT_ENV,
        OSM_LICENCE,
        fetch_and_install,
    )

    if args.accuracy_m < 0 or args.timeout_s <= 0:
        raise _UsageError("--accuracy-m must be 0 or more and --timeout-s more than 0")
    endpoint = args.endpoint or os.environ.get(ENDPOINT_ENV) or DEFAULT_ENDPOINT
    report, fetched = fetch_and_install(
        args.name, args.state, covers=args.covers, endpoint=endpoint, accuracy_m=args.accuracy_m, timeout_s=args.timeout_s,
        progress=lambda line: print(f"reegeo: {line}", file=sys.stderr, flush=True),
    )
    states = ", ".join(f.state for f in fetched)
    print(f"installed {report.name}: {report.features} feature(s) from OpenStreetMap ({OSM_LICENCE}) for {states}; at {report.path}")
    if report.covers:
        print(f"  complete in {', '.join(report.covers)}: replaces {report.name}'s earlier features there")
    else:
        print("  no state declared complete (no --covers): OSM may miss reserves, so sites where it records nothing still need review")
    return EXIT_OK


def _data_list(args: argparse.Namespace) -> int:
    """Show each layer in use, whether bundled or installed, and its file."""
    from reegeo.paths import user_data_dir

    print(f"user data folder: {user_data_dir()} (set REEGEO_DATA_DIR to change it)")
    for layer in load_layers(roles=("constraint", "context", "sites")).values():
        status = layer.status.label
        print(f"{layer.name}: {layer.origin}, {layer.feature_count} features, {status}, accuracy {layer.accuracy_m:g} m, {layer.path}")
        if layer.role == "constraint":
            print(f"  coverage: {layer.coverage.describe()}")
        for part in layer.parts:
            covers = "every state" if part.covers == ("all",) else (", ".join(part.covers) or "no state")
            print(f"  part {part.file}: {part.features} feature(s), complete in {covers}; {part.source}; {part.licence}; accuracy {part.accuracy_m:g} m")
    return EXIT_OK


def _data_reset(args: argparse.Namespace) -> int:
    """Remove an installed layer; the bundled one is used again."""
    from reegeo.layers.store import reset_layer

    report = reset_layer(args.name, state=args.state)
    if report.changed and args.state:
        print(f"removed what the imports of {args.name} said about {args.state} ({report.removed} import(s) removed, {report.narrowed} narrowed); other states unchanged")
    elif report.changed:
        print(f"removed the installed {args.name}; the bundled layer is used again")
    elif args.state:
        print(f"no import of {args.name} covers {args.state}: nothing changed")
    else:
        print(f"no installed layer {args.name}: the bundled layer is already in use")
    return EXIT_OK


def _refuse_overwriting_inputs(output: Path, inputs: Sequence[Path]) -> None:
    """Refuse an output that would overwrite an input, a bundled layer or the user data folder."""
    from reegeo.paths import GEODATA_DIR, user_data_dir

    target = output.expanduser().resolve()
    for path in inputs:
        if path.exists() and path.expanduser().resolve() == target:
            raise _UsageError(f"-o {output}: that is an input of this run ({path}); write the results to another file")
    for folder, what in ((user_data_dir(), "the user data folder (installed layers)"), (GEODATA_DIR, "the bundled geodata folder")):
        resolved = folder.expanduser().resolve()
        if target == resolved or resolved in target.parents:
            raise _UsageError(f"-o {output}: that is inside {what} {folder}; write the results elsewhere")


def _parse_layer_args(values: Sequence[str]) -> dict[str, Path]:
    overrides: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise _UsageError(f"--layer {value!r} is not NAME=PATH: write e.g. --layer forest_reserves=reserves.gpkg")
        if not Path(path).exists():
            raise _UsageError(f"--layer {name}: file {path} does not exist: check the path")
        overrides[name.strip()] = Path(path)
    return overrides


def _limits_with(limits: UploadLimits, max_features: int) -> UploadLimits:
    """``limits`` raised to take ``max_features`` sites (and a file big enough to hold them)."""
    if max_features < 1:
        raise _UsageError(f"--max-features {max_features}: give a positive number of sites")
    return replace(limits, max_features=max_features, max_bytes=max(limits.max_bytes, max_features * 2_000))


def _note_approximate(layers: dict) -> None:
    """Say on stderr which layers in use are approximate, as the app and the reports do."""
    approximate = [name for name, layer in layers.items() if layer.approximate]
    if approximate:
        print(f"reegeo: note: {t('approximate.banner', 'en', layers=', '.join(approximate))}", file=sys.stderr)


def _print_progress(done: int, total: int) -> None:
    print(f"reegeo: screened {done}/{total} sites", file=sys.stderr, flush=True)


def _one_line(text: str) -> str:
    return " ".join(text.split())
