package api

import (
	"time"

	"ipmatch/app"
)

// Times shown to people, on the pages and in the exports (CSV, XLSX, the
// printable schedule), are Beijing time: China Standard Time, app.ChinaZone,
// the zone the events take place in. They go through beijingTime so that
// a deal move reads the same on the deals page as in the audit log,
// whatever the server's own zone. JSON keeps RFC 3339 with its offset and
// the calendar (.ics) its TZID, which are unambiguous as they are.

// Layouts of beijingTime.
const (
	minuteLayout = "2006-01-02 15:04"    // lists of changes: the minute is enough
	secondLayout = "2006-01-02 15:04:05" // the audit log, where order within a minute matters
	clockLayout  = "15:04"               // a meeting slot on the event's day
)

// beijingTimeNote says on a page or in a column header which zone its
// times are in.
const beijingTimeNote = "北京时间"

// timeHeader is the header of a column of times.
const timeHeader = "时间（" + beijingTimeNote + "）"

// beijingTime formats t in Beijing time with layout, or "—" when unknown.
func beijingTime(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(app.ChinaZone).Format(layout)
}

// webTime is the pages' template func bjtime: a moment in Beijing time to
// the minute.
func webTime(t time.Time) string { return beijingTime(t, minuteLayout) }
