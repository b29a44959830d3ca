# SPDX-License-Identifier: EUPL-1.2
"""Readers of external address sources (BAG extract, BAG GeoPackage, address lists). No Django here."""
