package api

import (
	"bytes"
	"maps"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"ipmatch/app"
	"ipmatch/data"
)

// TestLandscapeCountsTheRecords imports the real CNIPA sample and checks
// GET /api/v1/landscape against a direct count of the stored patents:
// the total, every year's filings by type, every IPC subclass listed and
// the statuses, for all patents, a province and an IPC subclass, as of a
// date that leaves some out.
func TestLandscapeCountsTheRecords(t *testing.T) {
	f := newSearchFixture(t)
	file, err := os.Open("../data/testdata/cnipa_biblio_export_199.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	if _, err := data.Import(t.Context(), f.store, file, data.ImportOptions{Kind: "patents", Format: data.FormatCNIPACSV}); err != nil {
		t.Fatal(err)
	}
	stored, _, err := f.store.Patents().List(t.Context(), data.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}

	// The strategic emerging industry most of the sample's patents fall
	// under, code by code (data.StrategicIndustries).
	perCode := map[string]int{}
	for _, p := range stored {
		seen := map[string]bool{}
		for _, c := range p.IPC {
			for _, ind := range data.StrategicIndustries(c) {
				if !seen[ind.Code] {
					seen[ind.Code] = true
					perCode[ind.Code]++
				}
			}
		}
	}
	industry := ""
	for code, n := range perCode {
		if industry == "" || n > perCode[industry] || n == perCode[industry] && code < industry {
			industry = code
		}
	}
	if industry == "" {
		t.Fatal("no patent of the sample falls under a strategic emerging industry")
	}
	_, rules, _ := data.StrategicIndustryRules(industry)
	inIndustry := func(p data.Patent) bool { return data.InStrategicIndustry(rules, p.IPC) }

	for _, tc := range []struct {
		query       string
		region, ipc string
		industry    string
		asOf        data.Date
	}{
		{query: "industry=" + industry + "&as_of=2026-01-01", industry: industry, asOf: data.NewDate(2026, 1, 1)},
		{query: "as_of=2026-01-01", asOf: data.NewDate(2026, 1, 1)},
		{query: "region=11&as_of=2026-01-01", region: "11", asOf: data.NewDate(2026, 1, 1)},
		{query: "ipc=E01B&as_of=2026-01-01", ipc: "E01B", asOf: data.NewDate(2026, 1, 1)},
		{query: "ipc=E01B,e01d,E01B&as_of=2026-01-01", ipc: "E01B,E01D", asOf: data.NewDate(2026, 1, 1)},
		{query: "as_of=2012-05-31", asOf: data.NewDate(2012, 5, 31)},
		{query: "as_of=2014-03-01", asOf: data.NewDate(2014, 3, 1)},
		{query: "region=110108&as_of=2016-01-01", region: "110108", asOf: data.NewDate(2016, 1, 1)},
		{query: "region=110108&as_of=2026-01-01", region: "110108", asOf: data.NewDate(2026, 1, 1)},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var got app.Landscape
			decodeBody(t, f.do(orgToken, "GET", "/api/v1/landscape?"+tc.query, nil), http.StatusOK, &got)
			if got.IPC != tc.ipc {
				t.Errorf("IPC %q, want %q (normalised, without repeats)", got.IPC, tc.ipc)
			}

			// The direct count.
			total, unknown := 0, 0
			byYear := map[int][3]int{}
			bySubclass := map[string]int{}
			byStatus := map[string]int{}
			byApplicant := map[string]int{}
			byGroup := map[string]int{}
			recentOf, earlierOf := map[string]int{}, map[string]int{} // subclass and group counts in the growth spans
			to := int(tc.asOf.Year) - 1
			pledgeable := 0
			for _, p := range stored {
				if p.FilingDate.After(tc.asOf) || !strings.HasPrefix(p.Region, tc.region) {
					continue
				}
				subclasses := map[string]bool{}
				for _, c := range p.IPC {
					if len(c) >= 4 {
						subclasses[c[:4]] = true
					}
				}
				if tc.ipc != "" && !slices.ContainsFunc(strings.Split(tc.ipc, ","), func(c string) bool { return subclasses[c] }) ||
					tc.industry != "" && !inIndustry(p) {
					continue
				}
				total++
				if len(p.PledgeBars()) == 0 && p.FeesPaidOn(tc.asOf) {
					pledgeable++
				}
				for _, a := range p.Applicants {
					byApplicant[a]++
				}
				y := byYear[int(p.FilingDate.Year)]
				switch p.Type {
				case data.Invention:
					y[0]++
				case data.UtilityModel:
					y[1]++
				case data.Design:
					y[2]++
				}
				byYear[int(p.FilingDate.Year)] = y
				for sc := range subclasses {
					bySubclass[sc]++
				}
				groups := map[string]bool{}
				for _, c := range p.IPC {
					if l := data.IPCLevels(c); len(l) > 3 {
						groups[l[3]] = true
					}
				}
				for g := range groups {
					byGroup[g]++
				}
				for code := range maps.Keys(subclasses) {
					groups[code] = true
				}
				for code := range groups {
					switch y := int(p.FilingDate.Year); {
					case y > to-3 && y <= to:
						recentOf[code]++
					case y > to-6 && y <= to-3:
						earlierOf[code]++
					}
				}
				if p.LegalStatus == "" {
					unknown++
				} else {
					byStatus[string(p.LegalStatus)]++
				}
			}
			if got.Total != total || total == 0 {
				t.Fatalf("total %d, the records say %d", got.Total, total)
			}
			if len(got.ByYear) != len(byYear) {
				t.Errorf("%d years, the records have %d", len(got.ByYear), len(byYear))
			}
			for _, y := range got.ByYear {
				want := byYear[y.Year]
				if y.Invention != want[0] || y.UtilityModel != want[1] || y.Design != want[2] || y.Total != want[0]+want[1]+want[2] {
					t.Errorf("year %d: %+v, the records say %v", y.Year, y, want)
				}
			}
			if len(got.ByIPC) != min(len(bySubclass), 20) {
				t.Errorf("%d subclasses listed, the records have %d", len(got.ByIPC), len(bySubclass))
			}
			for _, c := range got.ByIPC {
				if c.Count != bySubclass[c.Code] || c.Title == "" {
					t.Errorf("subclass %s (%s): %d, the records say %d", c.Code, c.Title, c.Count, bySubclass[c.Code])
				}
			}
			if len(got.ByGroup) != min(len(byGroup), 20) {
				t.Errorf("%d main groups listed, the records have %d", len(got.ByGroup), len(byGroup))
			}
			for _, c := range got.ByGroup {
				if c.Count != byGroup[c.Code] || c.Title == "" {
					t.Errorf("main group %s (%s): %d, the records say %d", c.Code, c.Title, c.Count, byGroup[c.Code])
				}
			}
			grown := 0
			for _, c := range slices.Concat(got.ByIPC, got.ByGroup) {
				e := earlierOf[c.Code]
				switch {
				case got.Growth == nil && c.Growth != nil:
					t.Errorf("%s grows %v without the landscape's growth", c.Code, *c.Growth)
				case got.Growth == nil:
				case e == 0 && c.Growth != nil:
					t.Errorf("%s grows %v without earlier filings", c.Code, *c.Growth)
				case e > 0 && (c.Growth == nil || *c.Growth != math.Round((float64(recentOf[c.Code])/float64(e)-1)*10_000)/10_000):
					t.Errorf("%s growth %v, the records say %d against %d", c.Code, c.Growth, recentOf[c.Code], e)
				case e > 0:
					grown++
				}
			}
			if tc.query == "region=110108&as_of=2016-01-01" && grown == 0 {
				t.Error("no subclass or group has a growth: the test shows nothing")
			}
			if len(got.TopApplicants) != min(len(byApplicant), 20) {
				t.Errorf("%d top applicants, the records have %d applicants", len(got.TopApplicants), len(byApplicant))
			}
			for i, a := range got.TopApplicants {
				if a.Count != byApplicant[a.Name] || i > 0 && a.Count > got.TopApplicants[i-1].Count {
					t.Errorf("applicant %d %s: %d, the records say %d", i, a.Name, a.Count, byApplicant[a.Name])
				}
				if a.EnterpriseID != "" {
					t.Errorf("applicant %s is said to be enterprise %s: the sample's applicants are in no enterprise record", a.Name, a.EnterpriseID)
				}
			}
			listed := map[string]bool{}
			for _, a := range got.TopApplicants {
				listed[a.Name] = true
			}
			for name, n := range byApplicant { // none left out has more than the last listed
				if k := len(got.TopApplicants); k == 20 && !listed[name] && n > got.TopApplicants[k-1].Count {
					t.Errorf("applicant %s has %d patents, more than the last listed %+v", name, n, got.TopApplicants[k-1])
				}
			}
			if got.Pledgeable != pledgeable {
				t.Errorf("%d pledgeable, the records say %d", got.Pledgeable, pledgeable)
			}
			sum := 0
			for _, s := range got.ByStatus {
				if s.Count != byStatus[s.Value] {
					t.Errorf("status %s: %d, the records say %d", s.Value, s.Count, byStatus[s.Value])
				}
				sum += s.Count
			}
			if sum+unknown != total {
				t.Errorf("statuses sum to %d with %d unknown; %d patents", sum, unknown, total)
			}
			// Growth: the last three whole years before as_of against the
			// three before them.
			sumYears := func(a, b int) int {
				n := 0
				for y := a; y <= b; y++ {
					w := byYear[y]
					n += w[0] + w[1] + w[2]
				}
				return n
			}
			recent, earlier := sumYears(to-2, to), sumYears(to-5, to-3)
			switch g := got.Growth; {
			case earlier == 0 && g != nil:
				t.Errorf("growth %+v without earlier filings", g)
			case earlier > 0 && (g == nil || g.Recent != recent || g.Earlier != earlier || g.To != to ||
				g.Rate != math.Round((float64(recent)/float64(earlier)-1)*10_000)/10_000):
				t.Errorf("growth %+v, the records say %d against %d up to %d", g, recent, earlier, to)
			case g != nil && tc.region == "110108" && g.ProvinceRate == nil:
				t.Errorf("growth %+v of a district has no province rate", g)
			case g != nil:
				t.Logf("growth %+v (province %v)", *g, g.ProvinceRate)
			}
			if tc.industry != "" {
				t.Logf("industry %s (%s): %d patents; %d by the codes one by one", tc.industry, got.IndustryName, got.Total, perCode[tc.industry])
				if got.IndustryName == "" {
					t.Errorf("industry %s has no name", tc.industry)
				}
			}
			if tc.region != "" && got.RegionName == "" {
				t.Errorf("region %s has no name", tc.region)
			}
		})
	}

	// The organizer's page shows the same counts, with its charts, in
	// Chinese; a bad region is said in Chinese beside the form.
	var beijing app.Landscape
	decodeBody(t, f.do(orgToken, "GET", "/api/v1/landscape?region=11&as_of=2026-01-01", nil), http.StatusOK, &beijing)
	b := newBrowser(f)
	b.signIn(orgToken)
	w, _ := b.get("/app/organizer/landscape?region=11&as_of=2026-01-01")
	page := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("the page: %d %s", w.Code, page)
	}
	for _, want := range []string{"北京市", strconv.Itoa(beijing.Total) + " 件", "<svg class=\"chart\"", beijing.ByIPC[0].Code, beijing.ByIPC[0].Title,
		`href="/app/organizer/landscape.xlsx?region=11&amp;ipc=&amp;industry=&amp;as_of=2026-01-01&amp;q="`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if w, _ := b.get("/app/organizer/landscape.xlsx?region=11&as_of=2026-01-01"); w.Code != http.StatusOK || !bytes.HasPrefix(w.Body.Bytes(), []byte("PK")) {
		t.Errorf("the page's workbook: %d", w.Code)
	}
	if w, _ := b.get("/app/organizer/landscape?region=99"); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "地区：须为行政区划代码") {
		t.Errorf("a bad region on the page: %d", w.Code)
	}

	// The workbook holds the same counts.
	w = f.do(orgToken, "GET", "/api/v1/landscape?region=11&as_of=2026-01-01&format=xlsx", nil)
	if w.Code != http.StatusOK {
		t.Fatalf("the workbook: %d %s", w.Code, w.Body)
	}
	book, err := excelize.OpenReader(bytes.NewReader(w.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	years, err := book.GetRows("历年申请")
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != len(beijing.ByYear)+2 || !strings.Contains(years[0][0], "北京市") || !strings.Contains(years[0][0], strconv.Itoa(beijing.Total)+" 件") {
		t.Errorf("the workbook's years: %q", years)
	}
	for i, y := range beijing.ByYear {
		if row := years[i+2]; row[0] != strconv.Itoa(y.Year) || row[4] != strconv.Itoa(y.Total) {
			t.Errorf("the workbook's year row %q, the answer %+v", row, y)
		}
	}
	subclasses, err := book.GetRows("技术构成")
	if err != nil || len(subclasses) != len(beijing.ByIPC)+2 || subclasses[2][0] != beijing.ByIPC[0].Code {
		t.Errorf("the workbook's subclasses: %q, %v", subclasses, err)
	}
	wantError(t, f.do(orgToken, "GET", "/api/v1/landscape?format=pdf", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	env := wantError(t, f.do(orgToken, "GET", "/api/v1/landscape?industry=9.9", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("industry") {
		t.Errorf("a bad industry: fields %+v, want industry", env.Error.Fields)
	}

	for _, bad := range []string{"E01B,X99Z", ",", "E01B,,Q99"} {
		env = wantError(t, f.do(orgToken, "GET", "/api/v1/landscape?ipc="+url.QueryEscape(bad), nil), http.StatusUnprocessableEntity, data.CodeInvalid)
		if !env.hasField("ipc") {
			t.Errorf("IPC codes %q: fields %+v, want ipc", bad, env.Error.Fields)
		}
	}
	env = wantError(t, f.do(orgToken, "GET", "/api/v1/landscape?region=99", nil), http.StatusUnprocessableEntity, data.CodeInvalid)
	if !env.hasField("region") {
		t.Errorf("a bad region: fields %+v, want region", env.Error.Fields)
	}
	wantError(t, f.do(orgToken, "GET", "/api/v1/landscape?nope=1", nil), http.StatusBadRequest, data.CodeMalformed)
}
