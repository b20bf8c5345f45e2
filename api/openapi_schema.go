package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3gen"

	"ipmatch/app"
	"ipmatch/data"
	"ipmatch/door"
	"ipmatch/matcher"
	"ipmatch/matcher/schedule"
	"ipmatch/search"
)

// The component schemas of the OpenAPI document are generated from the Go
// types the handlers encode and decode (openapi3gen), so that they follow
// the code. A schema customizer makes them as strict as encoding/json is:
//
//   - a field without omitempty or omitzero is always written, so in an
//     answer it is required, and a slice or map without omitempty must be
//     encoded as an array or object, never null (non-nil in the code);
//   - a struct has no other properties (additionalProperties: false),
//     except types with their own MarshalJSON (see customTypes);
//   - string types with a fixed set of values get an enum (enumValues);
//   - data.Date is a string YYYY-MM-DD, time.Time an RFC 3339 date-time.
//
// Request bodies get their own "…Input" schemas generated from the same
// types: no field is required (the decoder accepts missing fields and the
// records' Validate methods name what is missing), unknown fields are
// refused (the decoder refuses them), and a date may be any layout
// data.ParseDate reads, "" or null.

var (
	dateType = reflect.TypeFor[data.Date]()
	hitType  = reflect.TypeFor[search.Hit]()
)

// schemaNames names the component schemas of unexported API types; an
// exported type is named after itself, a list page after its record
// ("EnterpriseList").
var schemaNames = map[reflect.Type]string{
	reflect.TypeFor[door.ErrorBody]():        "Error",
	reflect.TypeFor[door.ErrorDetail]():      "ErrorDetail",
	reflect.TypeFor[health]():                "Health",
	reflect.TypeFor[app.NewToken]():          "NewToken",
	reflect.TypeFor[app.TokenRequest]():      "TokenRequest",
	reflect.TypeFor[app.StageRequest]():      "StageRequest",
	reflect.TypeFor[app.IncomeRequest]():     "IncomeRequest",
	reflect.TypeFor[app.IncomeAnswer]():      "IncomeValuation",
	reflect.TypeFor[app.Matches]():           "EnterpriseMatches",
	reflect.TypeFor[pipelineBody]():          "ProductPipeline",
	reflect.TypeFor[searchResult]():          "SearchResult",
	reflect.TypeFor[app.ScheduleRequest]():   "ScheduleRequest",
	reflect.TypeFor[app.MeetingRequest]():    "MeetingRequest",
	reflect.TypeFor[app.ScheduleBody]():      "Schedule",
	reflect.TypeFor[app.MeetingBody]():       "Meeting",
	reflect.TypeFor[app.UnscheduledBody]():   "Unscheduled",
	reflect.TypeFor[app.ScheduleSummary]():   "ScheduleSummary",
	reflect.TypeFor[app.EventReport]():       "EventReport",
	reflect.TypeFor[app.ReportRegistered]():  "ReportRegistered",
	reflect.TypeFor[app.ReportMeetings]():    "ReportMeetings",
	reflect.TypeFor[app.FunnelStage]():       "FunnelStage",
	reflect.TypeFor[app.BankReport]():        "BankReport",
	reflect.TypeFor[app.PoolRiskAggregate](): "PoolRiskSummary",
	reflect.TypeFor[app.WishesBody]():        "Wishes",
	reflect.TypeFor[app.WishBody]():          "Wish",
	reflect.TypeFor[app.WishFix]():           "WishFix",
}

// enumValues lists the values of the string types with a fixed set.
func enumValues() map[reflect.Type][]string {
	strs := func(vs ...any) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = reflect.ValueOf(v).String()
		}
		return out
	}
	var stages []any
	for _, s := range data.Stages {
		stages = append(stages, s)
	}
	var reasons []any
	for _, r := range matcher.ReasonCodes() {
		reasons = append(reasons, r.Code)
	}
	var codes []string
	for c := range door.StatusOf {
		codes = append(codes, string(c))
	}
	slices.Sort(codes)
	var riskKinds []string
	for _, k := range data.RiskKinds {
		riskKinds = append(riskKinds, string(k))
	}
	return map[reflect.Type][]string{
		reflect.TypeFor[data.Code]():            codes,
		reflect.TypeFor[data.Role]():            strs(data.RoleOrganizer, data.RoleBank, data.RoleCompany),
		reflect.TypeFor[data.Stage]():           strs(stages...),
		reflect.TypeFor[data.ParticipantRole](): strs(data.RoleEnterprise, data.RoleBankDesk, data.RoleValuer),
		reflect.TypeFor[data.PreferenceKind]():  strs(data.MustMeet, data.NoThanks),
		reflect.TypeFor[data.EventStatus]():     strs(data.EventDraft, data.EventPublished, data.EventClosed),
		reflect.TypeFor[data.PatentType]():      strs(data.Invention, data.UtilityModel, data.Design),
		reflect.TypeFor[data.LegalStatus](): strs(data.StatusPending, data.StatusValid, data.StatusLapsed,
			data.StatusInvalidated, data.StatusRejected, data.StatusWithdrawn),
		reflect.TypeFor[data.TransactionKind](): strs(data.TxPledge, data.TxLicence, data.TxTransfer, data.TxInvalidation,
			data.TxLitigation, data.TxPreservation, data.TxSuspension),
		reflect.TypeFor[data.Certification]():     strs(data.CertHighTech, data.CertSpecialized, data.CertLittleGiant, data.CertTechSME),
		reflect.TypeFor[matcher.Side]():           strs(matcher.SideEnterprise, matcher.SideBank),
		reflect.TypeFor[data.RiskKind]():          riskKinds,
		reflect.TypeFor[data.AlertParty]():        strs(data.PartyBank, data.PartyOrganizer),
		reflect.TypeFor[matcher.CollateralFlag](): strs(matcher.FlagNone, matcher.FlagWarning, matcher.FlagLost),
		reflect.TypeFor[matcher.ReasonCode]():     strs(reasons...),
		reflect.TypeFor[schedule.ShortfallCode](): strs(schedule.ShortSlots, schedule.ShortBankCapacity, schedule.ShortNoCandidates,
			schedule.ShortUnplaced, schedule.ShortNoThanks, schedule.ShortIneligible, schedule.ShortEnterpriseCapacity),
	}
}

// fieldEnums lists the values of string fields whose Go type is plain
// string, by struct type and JSON name.
func fieldEnums() map[reflect.Type]map[string][]string {
	var shortfalls []string
	for _, v := range enumValues()[reflect.TypeFor[schedule.ShortfallCode]()] {
		shortfalls = append(shortfalls, v)
	}
	outcomes := []string{"held", "no_show", "cancelled"}
	return map[reflect.Type]map[string][]string{
		reflect.TypeFor[app.UnscheduledBody]():  {"code": shortfalls},
		reflect.TypeFor[data.WebhookDelivery](): {"state": {data.DeliveryPending, data.DeliveryDelivered, data.DeliveryFailed}},
		reflect.TypeFor[app.MeetingBody]():      {"outcome": outcomes},
		reflect.TypeFor[app.WishBody](): {"code": shortfalls,
			"status": {app.WishPending, app.WishBlocked, app.WishMet, app.WishNotMet, app.WishDeclined}},
	}
}

// schemaGen generates component schemas from Go values, either for answers
// or (input) for request bodies.
type schemaGen struct {
	input   bool
	schemas openapi3.Schemas
	gen     *openapi3gen.Generator
	enums   map[reflect.Type][]string
	// names holds the type of every component name given out, to catch
	// two types with one name.
	names map[string]reflect.Type
	// scalars are components of struct types that are not JSON objects
	// (data.Date); openapi3gen only exports objects, so they are added
	// here.
	scalars openapi3.Schemas
	err     error
}

func newSchemaGen(schemas openapi3.Schemas, input bool) *schemaGen {
	g := &schemaGen{input: input, schemas: schemas, enums: enumValues(), names: map[string]reflect.Type{}, scalars: openapi3.Schemas{}}
	g.gen = openapi3gen.NewGenerator(
		openapi3gen.CreateComponentSchemas(openapi3gen.ExportComponentSchemasOptions{
			ExportComponentSchemas: true, ExportTopLevelSchema: true, ExportGenerics: true,
		}),
		openapi3gen.CreateTypeNameGenerator(g.typeName),
		openapi3gen.SchemaCustomizer(g.customize),
	)
	return g
}

// ref returns a reference to the schema of v's type, generating it (and
// what it refers to) on first use.
func (g *schemaGen) ref(v any) *openapi3.SchemaRef {
	ref, err := g.gen.NewSchemaRefForValue(v, g.schemas)
	if err != nil {
		panic(fmt.Sprintf("api: OpenAPI schema of %T: %v", v, err))
	}
	if g.err != nil {
		panic("api: OpenAPI schemas: " + g.err.Error())
	}
	for name, s := range g.scalars {
		if g.schemas[name] == nil {
			g.schemas[name] = openapi3.NewSchemaRef("", s.Value)
		}
	}
	if ref.Ref == "" && ref.Value == nil {
		panic(fmt.Sprintf("api: OpenAPI schema of %T is empty", v))
	}
	return ref
}

// typeName names the component of struct type t.
func (g *schemaGen) typeName(t reflect.Type) string {
	name, ok := schemaNames[t]
	switch {
	case ok:
	case strings.HasPrefix(t.Name(), "ListResult["):
		name = t.Field(0).Type.Elem().Name() + "List"
	default:
		name = t.Name()
		if r := []rune(name); len(r) > 0 && unicode.IsLower(r[0]) {
			r[0] = unicode.ToUpper(r[0])
			name = string(r)
		}
	}
	if g.input && !strings.HasSuffix(name, "Request") {
		name += "Input" // a request body type is named after itself
	}
	if prev, ok := g.names[name]; ok && prev != t && g.err == nil {
		g.err = fmt.Errorf("two types have the component name %s: %v and %v; add one to schemaNames", name, prev, t)
	}
	g.names[name] = t
	return name
}

// customize makes a generated schema as strict as the code (see the top of
// this file). It is called for every type, with the tag of the field it
// was reached from; struct schemas are shared components, so they depend
// on the type only.
func (g *schemaGen) customize(_ string, t reflect.Type, _ reflect.StructTag, s *openapi3.Schema) error {
	switch {
	case t == dateType:
		*s = openapi3.Schema{Type: &openapi3.Types{"string"}, Format: "date",
			Description: "a calendar date YYYY-MM-DD"}
		if g.input {
			s.Format, s.Nullable = "", true
			s.Description = "a date YYYY-MM-DD (also YYYY.MM.DD, YYYY/MM/DD, YYYYMMDD); empty or null for none"
		}
		cp := *s // openapi3gen clears Nullable of the component it exports
		g.scalars[g.typeName(t)] = openapi3.NewSchemaRef("", &cp)
		return nil
	case t == reflect.TypeFor[time.Time]():
		return nil
	}
	if vals, ok := g.enums[t]; ok {
		s.Enum = nil
		if g.input {
			// The decoder takes any string, and "" for the default
			// (Normalize) or none; Validate refuses other values.
			s.Enum = append(s.Enum, "")
		}
		for _, v := range vals {
			s.Enum = append(s.Enum, v)
		}
		return nil
	}
	if g.input && (t.Kind() == reflect.Slice || t.Kind() == reflect.Map) {
		s.Nullable = true // the decoder takes null for none
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	if t == hitType {
		// search.Hit writes itself flat: id, score, the summary fields of
		// its kind, and fragments.
		s.Required = []string{"id", "score"}
		s.Description = "a record found: id, score, the summary fields of its kind and highlighted fragments"
		return nil
	}
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Marshaler]()) || t.Implements(reflect.TypeFor[json.Marshaler]()) {
		return fmt.Errorf("%v has its own MarshalJSON: describe it in customize", t)
	}
	no := false
	s.AdditionalProperties = openapi3.AdditionalProperties{Has: &no}
	if g.input {
		s.Required = nil
		return nil
	}
	for name, vals := range fieldEnums()[t] {
		p := s.Properties[name]
		if p == nil || p.Value == nil {
			return fmt.Errorf("%v has no field %s (fieldEnums)", t, name)
		}
		for _, v := range vals {
			p.Value.Enum = append(p.Value.Enum, v)
		}
	}
	s.Required = requiredFields(t)
	for _, name := range s.Required {
		if s.Properties[name] == nil {
			return fmt.Errorf("%v: required field %s has no schema", t, name)
		}
	}
	return nil
}

// requiredFields returns the JSON names of the fields of struct type t that
// encoding/json always writes: those without omitempty or omitzero,
// including those of embedded structs.
func requiredFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			out = append(out, requiredFields(ft)...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		omit := false
		for o := range strings.SplitSeq(opts, ",") {
			omit = omit || o == "omitempty" || o == "omitzero"
		}
		if !omit {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
