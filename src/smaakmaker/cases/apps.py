# SPDX-License-Identifier: EUPL-1.2
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "smaakmaker.cases"
    label = "cases"
    verbose_name = _("Address register")

    def ready(self) -> None:
        # The areas domain imports no other domain: the address register lends it its address counts
        # (the weights of a crosswalk derived from the geometry) and assigns addresses to new boundaries.
        from smaakmaker.areas import services as area_services
        from smaakmaker.cases import address_imports

        area_services.address_counts_provider = address_imports.address_counts
        area_services.custom_area_counts_provider = address_imports.custom_area_address_counts
        area_services.buurt_totals_provider = address_imports.buurt_address_totals
        if address_imports.custom_areas_assign not in area_services.after_custom_area_saved:
            area_services.after_custom_area_saved.append(address_imports.custom_areas_assign)
        if address_imports.addresses_assign_year not in area_services.after_boundaries_import:
            area_services.after_boundaries_import.append(address_imports.addresses_assign_year)
