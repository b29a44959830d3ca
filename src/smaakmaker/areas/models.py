# SPDX-License-Identifier: EUPL-1.2
"""Models of this domain (none yet)."""
