"""The tab's CSS, scoped to its own element."""

# Everything is scoped to the tab's own element so Wan2GP's CSS (and its dark theme) are left alone; colours are
# tinted from transparent so they read on light and dark backgrounds alike.
TAB_CSS = """
#model-tracker #mt-style { display: none; }
#model-tracker #mt-head { align-items: center; flex-wrap: nowrap; gap: 8px; }
#model-tracker #model-tracker-summary { min-width: 0; flex: 1 1 0; }
#model-tracker .mt-chips { display: flex; flex-wrap: nowrap; gap: 4px; align-items: center; overflow-x: auto;
  scrollbar-width: none; }
#model-tracker .mt-chip { padding: 1px 6px; border-radius: 999px; white-space: nowrap; font-size: var(--text-xs);
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary);
  color: var(--body-text-color); flex: 0 0 auto; }
#model-tracker .mt-chip[title] { cursor: help; }
#model-tracker .mt-total { font-weight: 600; }
#model-tracker .mt-downloaded, #model-tracker .mt-fit-ok { border-color: #3b82f6;
  background: color-mix(in srgb, #3b82f6 18%, transparent); }
#model-tracker .mt-partial, #model-tracker .mt-fit-change { border-color: #eab308;
  background: color-mix(in srgb, #eab308 20%, transparent); }
#model-tracker .mt-missing, #model-tracker .mt-fit-no { border-color: #6b7280;
  background: color-mix(in srgb, #6b7280 18%, transparent); }
#model-tracker .mt-error { border-color: #ef4444; background: color-mix(in srgb, #ef4444 16%, transparent); }
#model-tracker .mt-damaged { border-color: #f97316; background: color-mix(in srgb, #f97316 18%, transparent); }
#model-tracker .mt-verdict { padding: 0 4px; border: 1px solid; border-radius: 4px; white-space: nowrap; }
/* The black square of "missing" would vanish on a dark page: outline the marks there (the status column
   outlines its first letter, the mark). */
.dark #model-tracker .mt-mark { filter: drop-shadow(0 0 1px #e5e7eb) drop-shadow(0 0 1px #e5e7eb); }
.dark #model-tracker #model-tracker-table td:first-child .cell-wrap > span::first-letter,
.dark #model-tracker #model-tracker-table [role=gridcell]:first-child span::first-letter {
  text-shadow: 0 0 1px #e5e7eb, 0 0 1px #e5e7eb, 0 0 1px #e5e7eb; }
#model-tracker #mt-budget-pick { flex: 0 0 auto; width: max-content; min-width: 0 !important; display: flex;
  align-items: center; }
#model-tracker #mt-budget-pick .wrap { flex-wrap: nowrap; gap: 0; }
#model-tracker #mt-budget-pick label { padding: 1px 7px; font-size: var(--text-xs); white-space: nowrap;
  border-radius: 0; margin: 0 -1px 0 0; }
#model-tracker #mt-budget-pick label:first-child { border-radius: 999px 0 0 999px; }
#model-tracker #mt-budget-pick label:last-child { border-radius: 0 999px 999px 0; }
#model-tracker #mt-budget-pick input[type=radio] { display: none; }
#model-tracker #mt-budget-pick label.selected { background: color-mix(in srgb, #3b82f6 30%, transparent);
  border-color: #3b82f6; font-weight: 600; }
#model-tracker #mt-filters { align-items: flex-end; flex-wrap: nowrap; }
#model-tracker #mt-filters .secondary-wrap input { text-overflow: ellipsis; padding-right: 22px; }
#model-tracker #mt-refresh { align-self: flex-end; min-width: 90px; }
#model-tracker #mt-legend, #model-tracker #mt-legend p,
#model-tracker #mt-chart-note p { font-size: var(--text-sm); margin: 0;
  color: var(--body-text-color); opacity: 0.85; }
#model-tracker #model-tracker-table td, #model-tracker #model-tracker-table th { white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; }
#model-tracker #model-tracker-table .cell-wrap { padding-top: 4px; padding-bottom: 4px; }
#model-tracker #model-tracker-table table, #model-tracker #model-tracker-table [role=gridcell],
#model-tracker #model-tracker-table [role=columnheader] { font-size: var(--text-sm); }
#model-tracker #mt-details { border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
  padding: var(--spacing-lg); scroll-margin-top: 8px; }
#model-tracker #mt-details-head { align-items: center; }
#model-tracker #mt-back { max-width: 180px; }
#model-tracker #mt-export-row { align-items: center; min-height: 48px; flex-wrap: nowrap; }
#model-tracker #mt-export-file { max-height: 48px; overflow: hidden; }
/* Panel tables (plans, progress, disk use): words never break inside; file names and paths may, since a
   long one would otherwise push the table out of the page. Long results scroll inside a bounded box. */
#model-tracker .mt-panel-table { overflow-x: auto; }
#model-tracker .mt-panel-table table { display: table; width: 100%; }
#model-tracker .mt-panel-table th { white-space: nowrap; word-break: keep-all; }
#model-tracker .mt-panel-table td { word-break: keep-all; overflow-wrap: normal; }
#model-tracker .mt-panel-table td:first-child, #model-tracker .mt-panel-table td code {
  overflow-wrap: anywhere; }
#model-tracker .mt-panel-table td:first-child { min-width: 14em; }
#model-tracker .mt-scroll { max-height: 420px; overflow-y: auto; }
"""
