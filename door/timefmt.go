package door

import (
	"time"

	"ipmatch/app"
)

// Times shown to people, on the pages and in the exports (CSV, XLSX, the
// printable schedule), are Beijing time: China Standard Time, app.ChinaZone,
// the zone the events take place in. They go through BeijingTime so that
// a deal move reads the same on the deals page as in the audit log,
// whatever the server's own zone. JSON keeps RFC 3339 with its offset and
// the Calendar (.ics) its TZID, which are unambiguous as they are.

// Layouts of BeijingTime.
const (
	MinuteLayout = "2006-01-02 15:04"    // lists of changes: the minute is enough
	SecondLayout = "2006-01-02 15:04:05" // the audit log, where order within a minute matters
	ClockLayout  = "15:04"               // a meeting slot on the event's day
)

// BeijingTimeNote says on a page or in a column header which zone its
// times are in.
const BeijingTimeNote = "北京时间"

// TimeHeader is the header of a column of times.
const TimeHeader = "时间（" + BeijingTimeNote + "）"

// BeijingTime formats t in Beijing time with layout, or "—" when unknown.
func BeijingTime(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(app.ChinaZone).Format(layout)
}

// WebTime is the pages' template func bjtime: a moment in Beijing time to
// the minute.
func WebTime(t time.Time) string { return BeijingTime(t, MinuteLayout) }
