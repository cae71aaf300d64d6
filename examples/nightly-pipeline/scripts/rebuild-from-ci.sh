#!/usr/bin/env bash
# From CI or cron, no Temporal worker needed: check the setup, then rebuild last month's partition.
# Needs CUBE_API_URL and CUBE_API_SECRET (or CUBE_API_TOKEN) in the environment; MONTH like 2024-02.
set -euo pipefail
npx cube-jobs doctor --pre-aggregation orders.by_month
npx cube-jobs build --pre-aggregation orders.by_month --date-range "${MONTH}-01,${MONTH}-28"
