package web

import (
	"testing"
	"time"

	"ipmatch/data"
	"ipmatch/data/memstore"
	"ipmatch/door"
)

func TestPasswordLimitNumbers(t *testing.T) {
	l := newPasswordLimits(memstore.New().SignInFailures(), door.DefaultAuthFailureBurst, door.DefaultAuthFailureEvery)
	pb, pe := l.pair.Limits()
	ub, ue := l.user.Limits()
	ab, ae := l.address.Limits()
	if pb != 10 || ub != 100 || ab != 100 {
		t.Errorf("bursts %d %d %d, want 10 100 100", pb, ub, ab)
	}
	if pe != 6*time.Second || ue != 6*time.Second || ae != 600*time.Millisecond {
		t.Errorf("refills %v %v %v, want 6s 6s 600ms", pe, ue, ae)
	}
}

// TestAuthorLabel: a deal's history names a token without a label by
// 「令牌」 and its ID, the demo loader in Chinese, and a label as given.
func TestAuthorLabel(t *testing.T) {
	for by, want := range map[string]string{
		"tok_7a36xsaedho5dsfj": "令牌 tok_7a36xsaedho5dsfj",
		"demo":                 "演示数据",
		"演示令牌 银行（中国工商银行肇庆分行）": "演示令牌 银行（中国工商银行肇庆分行）",
		"zhangsan": "zhangsan",
	} {
		if got := authorLabel(by); got != want {
			t.Errorf("authorLabel(%q) = %q, want %q", by, got, want)
		}
	}
}

// TestWebRegionNameHasCity guards the pages' region names: a district is
// always shown with its city, since 长安区 and 朝阳区 each name two
// districts (石家庄 and 西安, 北京 and 长春).
func TestWebRegionNameHasCity(t *testing.T) {
	for code, want := range map[string]string{
		"130102": "河北省石家庄市长安区",
		"610116": "陕西省西安市长安区",
		"110105": "北京市朝阳区",
		"220104": "吉林省长春市朝阳区",
		"1101":   "北京市",
		"4412":   "广东省肇庆市",
		"x":      "x", // unknown: the code itself
	} {
		if got := regionName(code); got != want {
			t.Errorf("regionName(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestMarkOnly(t *testing.T) {
	for in, want := range map[string]string{
		"高新<mark>专利</mark>贷":                       "高新<mark>专利</mark>贷",
		"a &lt;b&gt; <mark>x":                      "a &lt;b&gt; <mark>x</mark>",
		"<script>alert(1)</script><mark>专利</mark>": "&lt;script&gt;alert(1)&lt;/script&gt;<mark>专利</mark>",
		"</mark>孤<mark><mark>x</mark>":             "孤<mark>x</mark>",
	} {
		if got := string(markOnly(in)); got != want {
			t.Errorf("markOnly(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestAuditActionName is issue 13: the audit page showed `POST /app/...`
// where a reader wants what was done.
func TestAuditActionName(t *testing.T) {
	for _, c := range []struct {
		request, action, kind, want string
	}{
		{"POST /app/bank/deals/deal_1/stage", data.AuditUpdate, "deals", "移动融资项目阶段"},
		{"POST /api/v1/deals/deal_1/stage", data.AuditUpdate, "deals", "移动融资项目阶段"},
		{"POST /app/organizer/events/evt_1/publish", data.AuditUpdate, "events", "发布对接会日程"},
		{"PUT /api/v1/events/evt_1/schedule/meetings", data.AuditUpdate, "schedules", "调整会谈安排"},
		{"POST /api/v1/import/patents", data.AuditPut, "patents", "批量导入专利"},
		{"POST /api/v1/products", data.AuditCreate, "products", "新建贷款产品"},
		{"PUT /api/v1/enterprises/ent_1", data.AuditUpdate, "enterprises", "修改企业"},
		{"DELETE /api/v1/patents/CN1", data.AuditDelete, "patents", "删除专利"},
		// A command or the service itself: no request; action and kind.
		{"", data.AuditCreate, "enterprises", "新建企业"},
		{"ipmatch import --kind patents", data.AuditPut, "patents", "批量写入专利"},
		{"ipmatch token create", data.AuditCreate, "tokens", "新建API 令牌"},
		// The administrative commands, which name a backup or an index.
		{"ipmatch backup --out /var/backups/ipmatch.tar.gz", data.AuditCreate, data.AuditBackups, "备份数据"},
		{"ipmatch restore /var/backups/ipmatch.tar.gz", data.AuditPut, data.AuditBackups, "从备份恢复数据"},
		{"ipmatch reindex", data.AuditUpdate, data.AuditSearchIndex, "重建搜索索引"},
		// Anything unknown is still Chinese.
		{"POST /app/organizer/events/evt_1/somethingnew", data.AuditUpdate, "events", "其他操作"},
		{"POST /app/bank/deals//stage", data.AuditUpdate, "deals", "其他操作"},
		{"PATCH /api/v1/products/p1", data.AuditUpdate, "products", "其他操作"},
		{"POST /api/v1/nosuchkind", data.AuditCreate, "x", "其他操作"},
	} {
		e := data.AuditEntry{Request: c.request, Action: c.action, Kind: c.kind}
		if got := AuditActionName(&e); got != c.want {
			t.Errorf("%q: %q, want %q", c.request, got, c.want)
		}
	}
}
