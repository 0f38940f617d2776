// Package usage reports what a tenant's agents cost: totals and series by
// day, agent and model over a range of UTC days, read from usage_records
// (written by every model call). It also owns the monthly budget: its status
// (none, ok, warning at 80 %, exceeded at 100 %), the tenant's action at the
// cap (notify, downgrade, stop), and the periodic job that audits each
// threshold crossing once per month.
package usage
