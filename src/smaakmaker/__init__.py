# SPDX-License-Identifier: EUPL-1.2
"""Smaakmaker: software for the neighbourhood method Zoet Zuur Zout Bitter."""

__version__ = "0.1.0"
