"""The Data Docs index builder intake uses (imported by Great Expectations itself when it builds the site).

Each intake validates in a context of its own, whose results store holds only that submission's results. Great
Expectations' default index builder deletes every page whose result is not in the store, so each submission
used to delete the detail pages of all the submissions before it, while their validation reports still pointed
there. This one keeps them: each report links its own page (`validations.expectations`)."""

from __future__ import annotations

from great_expectations.render.renderer.site_builder import DefaultSiteIndexBuilder


class KeepingSiteIndexBuilder(DefaultSiteIndexBuilder):
    """Great Expectations' index builder, without deleting earlier submissions' pages."""

    def build(self, skip_and_clean_missing: bool = True, build_index: bool = True):  # noqa: ARG002
        return super().build(skip_and_clean_missing=False, build_index=build_index)
