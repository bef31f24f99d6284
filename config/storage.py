"""Static files in production: whitenoise's hashed, compressed copies, collected from what the
app actually serves."""

from collections.abc import Callable
from re import Match

from django.contrib.staticfiles.apps import StaticFilesConfig
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's storage, except that a reference inside a CSS or JS file to a file that
    is not there is left as written instead of failing `collectstatic`.

    Why: viewflow's scripts name source maps that are not collected (see
    CollectedStaticFiles), and the copies under its node_modules name fonts it does not ship;
    either stopped `collectstatic`. Only a browser's developer tools ask for a source map. A
    `{% static %}` tag naming a missing file still fails (manifest_strict), so a broken
    template is found before it is deployed.
    """

    def url_converter(
        self, name: str, hashed_files: dict, template: str | None = None
    ) -> Callable[[Match], str]:
        convert = super().url_converter(name, hashed_files, template)

        def convert_or_keep(matchobj: Match) -> str:
            try:
                return convert(matchobj)
            except ValueError:
                return matchobj.group(0)

        return convert_or_keep


class CollectedStaticFiles(StaticFilesConfig):
    """`collectstatic` skips what no page of the app loads: viewflow's Plotly/Dash bundles
    (its dashboard contrib, unused here), the npm sources it ships beside its built files,
    and source maps. That is most of viewflow's 49 MB, and compressing it took minutes."""

    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "dash", "node_modules", "*.map"]
