package door

import (
	"bytes"
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"ipmatch/app"
	"ipmatch/data"
)

// The schedule's exports: CSV, Excel workbook, printable HTML page, and
// each participant's iCalendar file. They show what GET .../schedule shows
// the caller (see event.go), with the same bank_id and enterprise_id
// filters.

// tableGrid is one bank table's slots.
type tableGrid struct {
	BankID, BankName string
	Table            int // within the desk
	Number           int // across the event (tableNumber)
	Rows             []gridRow
}

// gridRow is one slot of a table: the meeting, if any.
type gridRow struct {
	Slot       int
	Time       string
	Meeting    *app.MeetingBody
	Enterprise string
}

// exportData is what every export renders.
type exportData struct {
	w        *app.EventWorld
	meetings []app.MeetingBody // by slot, bank, table
	grids    []tableGrid       // by bank, table
	full     bool
}

// exportSchedule loads what the caller may see of the schedule.
func (s *Server) exportSchedule(c *gin.Context) (*exportData, error) {
	params, err := app.Params(c.Request.URL.Query(), "bank_id", "enterprise_id")
	if err != nil {
		return nil, err
	}
	w, _, ms, _, full, err := s.App.VisibleSchedule(c.Request.Context(), Caller(c), c.Param("id"), params["bank_id"], params["enterprise_id"])
	if err != nil {
		return nil, err
	}
	x := &exportData{w: w, full: full}
	for _, m := range ms {
		x.meetings = append(x.meetings, app.MeetingView(w, m))
	}
	// Tables: every table of every bank for an unfiltered organizer,
	// otherwise the tables of the banks in the meetings shown.
	banks := map[string]bool{}
	if full && params["bank_id"] == "" && params["enterprise_id"] == "" {
		for id := range w.BankPart {
			banks[id] = true
		}
	}
	if b := params["bank_id"]; b != "" && w.BankPart[b] != nil {
		banks[b] = true
	}
	for _, m := range x.meetings {
		banks[m.BankID] = true
	}
	ids := make([]string, 0, len(banks))
	for id := range banks {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	at := map[[3]string]*app.MeetingBody{}
	for i := range x.meetings {
		m := &x.meetings[i]
		at[[3]string{m.BankID, strconv.Itoa(m.Table), strconv.Itoa(m.Slot)}] = m
	}
	onlyMine := !full && Caller(c).Is(data.RoleCompany)
	for _, b := range ids {
		tables := 1
		if bp := w.BankPart[b]; bp != nil {
			tables = bp.Tables
		}
		for t := 1; t <= tables; t++ {
			g := tableGrid{BankID: b, BankName: w.Name(b), Table: t, Number: w.TableNumber(b, t)}
			used := false
			for s := 1; s <= w.Event.Slots; s++ {
				row := gridRow{Slot: s, Time: SlotLabel(w, s), Meeting: at[[3]string{b, strconv.Itoa(t), strconv.Itoa(s)}]}
				if row.Meeting != nil {
					row.Enterprise, used = row.Meeting.EnterpriseName, true
				}
				g.Rows = append(g.Rows, row)
			}
			if used || !onlyMine {
				x.grids = append(x.grids, g)
			}
		}
	}
	return x, nil
}

// SlotLabel is a slot's time range, "14:00–14:20".
func SlotLabel(w *app.EventWorld, slot int) string {
	start, end := w.SlotTimes(slot)
	return BeijingTime(start, ClockLayout) + "–" + BeijingTime(end, ClockLayout)
}

// Attachment sets the headers of a download.
func Attachment(c *gin.Context, name string) {
	c.Header("Content-Disposition", `attachment; filename="`+strings.NewReplacer(`"`, "", `\`, "").Replace(name)+`"`)
}

// ScheduleCSV handles GET /api/v1/events/{id}/schedule.csv: one row per
// meeting, table by table (bank, table, slot), UTF-8 with a byte-order mark
// so that Excel reads the Chinese.
func (s *Server) ScheduleCSV(c *gin.Context) error {
	x, err := s.exportSchedule(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := data.NewCSVWriter(&buf) // text cells are made formula-safe
	cw.WriteText([]string{"时段", TimeHeader, "桌号", "银行", "企业", "银行ID", "企业ID", "评分", "固定"})
	for _, g := range x.grids {
		for _, r := range g.Rows {
			if r.Meeting == nil {
				continue
			}
			m := r.Meeting
			pinned := ""
			if m.Pinned {
				pinned = "是"
			}
			cw.WriteText([]string{strconv.Itoa(r.Slot), r.Time, strconv.Itoa(g.Number), g.BankName, m.EnterpriseName,
				m.BankID, m.EnterpriseID, strconv.FormatFloat(m.Score, 'f', 2, 64), pinned})
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	Attachment(c, "schedule-"+x.w.Event.ID+".csv")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	return nil
}

// sheetNamer makes valid, unique Excel sheet names (at most 31 UTF-16
// units, none of :\/?*[], unique regardless of case).
type sheetNamer struct{ used map[string]bool }

func (n *sheetNamer) name(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]'`, r) {
			return '_'
		}
		return r
	}, s)
	fit := func(s string, limit int) string {
		for len(utf16.Encode([]rune(s))) > limit {
			_, size := utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-size]
		}
		return s
	}
	base := fit(s, 31)
	name := base
	for i := 2; n.used[strings.ToLower(name)]; i++ {
		suffix := "~" + strconv.Itoa(i)
		name = fit(base, 31-len(suffix)) + suffix
	}
	n.used[strings.ToLower(name)] = true
	return name
}

// ScheduleXLSX handles GET /api/v1/events/{id}/schedule.xlsx: a workbook
// with an overview sheet (总表), one sheet per bank table (its slots) and
// one per enterprise (its meetings), with Chinese headers.
func (s *Server) ScheduleXLSX(c *gin.Context) error {
	x, err := s.exportSchedule(c)
	if err != nil {
		return err
	}
	wb, err := NewWorkbook()
	if err != nil {
		return err
	}
	defer wb.Close()
	ev := x.w.Event
	sh, err := wb.Sheet("总表", []float64{6, 18, 26, 6, 34, 8, 6}, ev.Name+" "+ev.Date.String()+" 会谈安排",
		[]string{"时段", TimeHeader, "银行", "桌号", "企业", "评分", "固定"})
	if err != nil {
		return err
	}
	for _, m := range x.meetings {
		pinned := ""
		if m.Pinned {
			pinned = "是"
		}
		if err := sh.Row(m.Slot, SlotLabel(x.w, m.Slot), m.BankName, m.TableNumber, m.EnterpriseName, m.Score, pinned); err != nil {
			return err
		}
	}
	for _, g := range x.grids {
		sh, err := wb.Sheet(fmt.Sprintf("%s-%d号桌", g.BankName, g.Number), []float64{6, 18, 34},
			fmt.Sprintf("%s 第%d号桌", g.BankName, g.Number), []string{"时段", TimeHeader, "企业"})
		if err != nil {
			return err
		}
		for _, r := range g.Rows {
			if err := sh.Row(r.Slot, r.Time, r.Enterprise); err != nil {
				return err
			}
		}
	}
	byEnt := map[string][]app.MeetingBody{}
	var ents []string
	for _, m := range x.meetings {
		if byEnt[m.EnterpriseID] == nil {
			ents = append(ents, m.EnterpriseID)
		}
		byEnt[m.EnterpriseID] = append(byEnt[m.EnterpriseID], m)
	}
	slices.Sort(ents)
	for _, e := range ents {
		sh, err := wb.Sheet(x.w.Name(e), []float64{6, 18, 26, 6}, x.w.Name(e)+" 会谈安排", []string{"时段", TimeHeader, "银行", "桌号"})
		if err != nil {
			return err
		}
		for _, m := range byEnt[e] {
			if err := sh.Row(m.Slot, SlotLabel(x.w, m.Slot), m.BankName, m.TableNumber); err != nil {
				return err
			}
		}
	}
	return wb.Send(c, "schedule-"+ev.ID+".xlsx")
}

// scheduleHTMLTemplate is the printable page: one block per bank table,
// each on its own page when printed.
var scheduleHTMLTemplate = template.Must(template.New("schedule").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{.Event.Name}} 会谈安排</title>
<style>
body { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
.meta { color: #555; margin-bottom: 1.5em; }
section { break-inside: avoid; margin-bottom: 2em; }
h2 { font-size: 1.1em; border-bottom: 2px solid #333; padding-bottom: 0.2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: 0.35em 0.6em; text-align: left; }
th { background: #eee; }
td.slot { width: 4em; text-align: center; }
td.time { width: 9em; }
td.free { color: #aaa; }
.pin { font-size: 0.8em; color: #a00; }
@media print { body { margin: 0; } section { break-after: page; } }
/* One sheet per enterprise too, to hand to it at the door. */
section.enterprise h2 { border-bottom-style: dashed; }
</style>
</head>
<body>
<h1>{{.Event.Name}}</h1>
<div class="meta">{{.Event.Date}} · {{.Event.Venue}} · 每场{{.Event.SlotMinutes}}分钟 · 共{{.Event.Slots}}个时段 · 会谈{{len .Meetings}}场{{if ne .Status "published"}} · 草稿{{end}}</div>
{{range .Grids}}<section>
<h2>{{.BankName}} · 第{{.Number}}号桌</h2>
<table>
<thead><tr><th>时段</th><th>时间（北京时间）</th><th>企业</th></tr></thead>
<tbody>
{{range .Rows}}<tr><td class="slot">{{.Slot}}</td><td class="time">{{.Time}}</td>{{if .Meeting}}<td>{{.Enterprise}}{{if .Meeting.Pinned}} <span class="pin">（固定）</span>{{end}}</td>{{else}}<td class="free">—</td>{{end}}</tr>
{{end}}</tbody>
</table>
</section>
{{else}}<p>没有会谈安排。</p>
{{end}}{{range .Enterprises}}<section class="enterprise">
<h2>{{.Name}} · 会谈安排</h2>
<table>
<thead><tr><th>时段</th><th>时间（北京时间）</th><th>银行</th><th>桌号</th></tr></thead>
<tbody>
{{range .Meetings}}<tr><td class="slot">{{.Slot}}</td><td class="time">{{call $.SlotTime .Slot}}</td><td>{{.BankName}}</td><td>{{.TableNumber}} 号桌</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}
</body>
</html>
`))

// ScheduleHTML handles GET /api/v1/events/{id}/schedule.html: a printable
// page (zh-CN) with each bank table's slots.
func (s *Server) ScheduleHTML(c *gin.Context) error {
	x, err := s.exportSchedule(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	err = scheduleHTMLTemplate.Execute(&buf, map[string]any{
		"Event": x.w.Event, "Status": string(x.w.Event.Status), "Meetings": x.meetings, "Grids": x.grids,
		"Enterprises": enterpriseSchedules(x.meetings),
		"SlotTime":    func(slot int) string { return SlotLabel(x.w, slot) },
	})
	if err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
	return nil
}

// enterpriseSchedule is one enterprise's meetings in time order, for the
// printable page's per-enterprise list.
type enterpriseSchedule struct {
	Name     string
	Meetings []app.MeetingBody
}

// enterpriseSchedules groups meetings (by slot, bank, table) by
// enterprise, enterprises by ID as the workbook's sheets are.
func enterpriseSchedules(ms []app.MeetingBody) []enterpriseSchedule {
	byEnt := map[string]*enterpriseSchedule{}
	var ids []string
	for _, m := range ms {
		es := byEnt[m.EnterpriseID]
		if es == nil {
			es = &enterpriseSchedule{Name: m.EnterpriseName}
			byEnt[m.EnterpriseID] = es
			ids = append(ids, m.EnterpriseID)
		}
		es.Meetings = append(es.Meetings, m)
	}
	slices.Sort(ids)
	out := make([]enterpriseSchedule, 0, len(ids))
	for _, id := range ids {
		es := byEnt[id]
		slices.SortStableFunc(es.Meetings, func(a, b app.MeetingBody) int { return cmp.Compare(a.Slot, b.Slot) })
		out = append(out, *es)
	}
	return out
}

// ---- iCalendar (RFC 5545) ----

// icsWriter writes content lines: CRLF-terminated, folded so that no line
// is longer than 75 octets (a continuation starts with a space), never
// inside a UTF-8 sequence.
type icsWriter struct{ b bytes.Buffer }

func (w *icsWriter) line(s string) {
	const limit = 75
	first := true
	for len(s) > 0 {
		room := limit
		if !first {
			room = limit - 1 // the leading space counts
		}
		n := min(len(s), room)
		for n < len(s) && !utf8.RuneStart(s[n]) {
			n--
		}
		if !first {
			w.b.WriteByte(' ')
		}
		w.b.WriteString(s[:n])
		w.b.WriteString("\r\n")
		s, first = s[n:], false
	}
}

// icsText escapes a TEXT value (RFC 5545 §3.3.11).
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(s)
}

// icsLocal formats a time as a local DATE-TIME in China Standard Time.
func icsLocal(t time.Time) string { return t.In(app.ChinaZone).Format("20060102T150405") }

// Calendar handles GET /api/v1/events/{id}/participants/{pid}/Calendar.ics:
// the participant's meetings as VEVENTs in Asia/Shanghai time.
func (s *Server) Calendar(c *gin.Context) error {
	ctx, p := c.Request.Context(), Caller(c)
	if _, err := app.Params(c.Request.URL.Query()); err != nil {
		return err
	}
	id, pid := c.Param("id"), c.Param("pid")
	part, err := s.Store().Participants().Get(ctx, pid)
	if err != nil {
		return err
	}
	mine := p.Is(data.RoleOrganizer) ||
		p.Is(data.RoleBank) && part.Role == data.RoleBankDesk && part.BankID == p.Token.BankID ||
		p.Is(data.RoleCompany) && part.Role == data.RoleEnterprise && part.EnterpriseID == p.Token.EnterpriseID
	if part.EventID != id || !mine {
		return data.ParticipantKind.NotFound(pid)
	}
	return s.WriteCalendar(c, p, &part)
}

// WriteCalendar answers the meetings of part, a participant p may read
// (its own, or any for the organizer), as an iCalendar file; the schedule
// as visibleSchedule lets p see it (404 before it is published).
func (s *Server) WriteCalendar(c *gin.Context, p *app.Caller, part *data.Participant) error {
	ctx, id, pid := c.Request.Context(), part.EventID, part.ID
	var entID, bankID string
	switch part.Role {
	case data.RoleEnterprise:
		entID = part.EnterpriseID
	case data.RoleBankDesk:
		bankID = part.BankID
	default:
		entID = "\x00" // a valuer has no meetings
	}
	w, sch, ms, _, _, err := s.App.VisibleSchedule(ctx, p, id, bankID, entID)
	if err != nil {
		return err
	}
	var cw icsWriter
	cw.line("BEGIN:VCALENDAR")
	cw.line("VERSION:2.0")
	cw.line("PRODID:-//ipmatch//schedule//ZH")
	cw.line("CALSCALE:GREGORIAN")
	cw.line("METHOD:PUBLISH")
	cw.line("X-WR-CALNAME:" + icsText(w.Event.Name))
	cw.line("X-WR-TIMEZONE:Asia/Shanghai")
	cw.line("BEGIN:VTIMEZONE")
	cw.line("TZID:Asia/Shanghai")
	cw.line("BEGIN:STANDARD")
	cw.line("DTSTART:19700101T000000")
	cw.line("TZOFFSETFROM:+0800")
	cw.line("TZOFFSETTO:+0800")
	cw.line("TZNAME:CST")
	cw.line("END:STANDARD")
	cw.line("END:VTIMEZONE")
	stamp := sch.UpdatedAt.UTC().Format("20060102T150405Z")
	slices.SortFunc(ms, func(a, b data.Meeting) int { return cmp.Compare(a.Slot, b.Slot) })
	for _, m := range ms {
		start, end := w.SlotTimes(m.Slot)
		other, summary := w.Name(m.BankID), "银企对接："
		if part.Role == data.RoleBankDesk {
			other = w.Name(m.EnterpriseID)
		}
		summary += other
		loc := fmt.Sprintf("%s %s 第%d号桌", w.Event.Venue, w.Name(m.BankID), w.TableNumber(m.BankID, m.Table))
		cw.line("BEGIN:VEVENT")
		cw.line("UID:" + icsText(fmt.Sprintf("%s-%s-%s@ipmatch", w.Event.ID, m.EnterpriseID, m.BankID)))
		cw.line("DTSTAMP:" + stamp)
		cw.line("DTSTART;TZID=Asia/Shanghai:" + icsLocal(start))
		cw.line("DTEND;TZID=Asia/Shanghai:" + icsLocal(end))
		cw.line("SUMMARY:" + icsText(summary))
		cw.line("LOCATION:" + icsText(strings.TrimSpace(loc)))
		cw.line("DESCRIPTION:" + icsText(fmt.Sprintf("%s\n第%d时段 %s\n银行：%s（第%d号桌）\n企业：%s",
			w.Event.Name, m.Slot, SlotLabel(w, m.Slot), w.Name(m.BankID), w.TableNumber(m.BankID, m.Table), w.Name(m.EnterpriseID))))
		cw.line("END:VEVENT")
	}
	cw.line("END:VCALENDAR")
	Attachment(c, "calendar-"+pid+".ics")
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", cw.b.Bytes())
	return nil
}
