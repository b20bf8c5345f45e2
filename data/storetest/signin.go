package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"ipmatch/data"
)

// The pages' sign-in records (data.Session, data.SignInFailure,
// data.Secret): generators and the contract cases that the shared
// sessions and limits rely on.

// signInTime is when the sessions built here signed in.
var signInTime = time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)

// Session returns a valid session, of token TokenSecret(i) when i is
// even and of user "user_store_<i>" when it is odd, signed in i seconds
// after 2025-06-01 09:00 UTC. Distinct i give distinct hashes and IDs.
func Session(i int) data.Session {
	s := data.Session{
		Hash: data.SessionHash(fmt.Sprintf("session-%07d", i)),
		CSRF: fmt.Sprintf("csrf-%07d", i),
	}
	if i%2 == 0 {
		s.TokenHash = data.HashToken(TokenSecret(i))
	} else {
		s.UserID = fmt.Sprintf("user_store_%d", i)
	}
	s.SignedInAt = signInTime.Add(time.Duration(i) * time.Second)
	s.SeenAt = s.SignedInAt
	// As data.NewSessionID makes them, with i for the random part, so
	// that Session(i) is the same record every time.
	s.ID = data.SessionCredentialPrefix(s.Credential()) + fmt.Sprintf("%020d_%012x", s.SignedInAt.UnixNano(), i)
	return s
}

// SignInFailure returns a valid failure in slot i of a bucket of its own.
func SignInFailure(i int) data.SignInFailure {
	f := data.SignInFailure{Bucket: data.FailureBucket("storetest", 10, time.Minute, fmt.Sprintf("ip:%d", i)), Slot: int64(i)}
	f.ID = data.FailureSlotID(f.Bucket, f.Slot)
	f.Expires = time.Unix(0, 0).Add(time.Duration(i+1) * time.Minute)
	return f
}

// Secret returns a valid secret named "secret-<i>".
func Secret(i int) data.Secret {
	return data.Secret{Name: fmt.Sprintf("secret-%d", i), Value: bytes.Repeat([]byte{byte(i)}, 32)}
}

// runSignIn runs the sign-in cases of Run.
func runSignIn(t *testing.T, open func(t *testing.T) data.Store) {
	t.Run("sessions", func(t *testing.T) {
		runKind(t, open, kindCase[data.Session]{
			kind: data.SessionKind, table: data.Store.Sessions, gen: Session,
			change: func(s *data.Session) { s.SeenAt = s.SeenAt.Add(time.Minute); s.Flash = "会谈安排已生成。" },
			spoil:  func(s *data.Session) string { s.Hash = "not-a-digest"; return "hash" },
		})
	})
	t.Run("signin failures", func(t *testing.T) {
		runKind(t, open, kindCase[data.SignInFailure]{
			kind: data.SignInFailureKind, table: data.Store.SignInFailures, gen: SignInFailure,
			change: func(f *data.SignInFailure) { f.Expires = f.Expires.Add(time.Second) },
			spoil:  func(f *data.SignInFailure) string { f.Slot++; return "id" },
		})
	})
	t.Run("secrets", func(t *testing.T) {
		runKind(t, open, kindCase[data.Secret]{
			kind: data.SecretKind, table: data.Store.Secrets, gen: Secret,
			change: func(s *data.Secret) { s.Value = bytes.Repeat([]byte{0xee}, 32) },
			spoil:  func(s *data.Secret) string { s.Value = s.Value[:8]; return "value" },
		})
	})
	t.Run("sessions of one credential", func(t *testing.T) { testSessionsOfCredential(t, open(t)) })
	t.Run("signin failure slot taken once", func(t *testing.T) { testFailureSlotOnce(t, open(t)) })
	t.Run("shared secret made once", func(t *testing.T) { testSharedSecretOnce(t, open(t)) })
	t.Run("sign-in records not audited", func(t *testing.T) { testSignInNotAudited(t, open(t)) })
}

// testSessionsOfCredential: listing after a credential's prefix gives its
// sessions in sign-in order, then other credentials' (which the caller
// stops at); the web's per-credential cap relies on it.
func testSessionsOfCredential(t *testing.T, s data.Store) {
	ctx := t.Context()
	tab := s.Sessions()
	var mine []*data.Session
	// Signed in newest first, so that ID order is not write order.
	for i := 5; i >= 1; i-- {
		ses := Session(2) // one token
		ses.Hash = data.SessionHash(fmt.Sprintf("mine-%d", i))
		ses.SignedInAt = signInTime.Add(time.Duration(i) * time.Minute)
		ses.SeenAt = ses.SignedInAt
		ses.ID = data.NewSessionID(ses.Credential(), ses.SignedInAt)
		mine = append(mine, &ses)
	}
	mustPut(t, tab, mine...)
	for i := range 20 {
		if i != 2 {
			other := Session(i)
			mustPut(t, tab, &other)
		}
	}
	prefix := data.SessionCredentialPrefix(mine[0].Credential())
	got, _, err := tab.List(ctx, data.ListOptions{After: prefix, Limit: 10})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var own []data.Session
	for _, g := range got {
		if len(g.ID) > len(prefix) && g.ID[:len(prefix)] == prefix {
			own = append(own, g)
		}
	}
	if len(own) != 5 {
		t.Fatalf("%d sessions listed after the credential's prefix, want 5", len(own))
	}
	for i, g := range own {
		if !g.SignedInAt.Equal(signInTime.Add(time.Duration(i+1) * time.Minute)) {
			t.Errorf("session %d signed in at %v: not oldest first", i, g.SignedInAt)
		}
		if got[i].ID != g.ID {
			t.Errorf("the credential's sessions are not the first listed")
		}
	}
	byHash, err := tab.GetByKey(ctx, data.SessionHash("mine-3"))
	if err != nil || byHash.ID != own[2].ID {
		t.Errorf("GetByKey(hash) = %q, %v; want %q", byHash.ID, err, own[2].ID)
	}
}

// testFailureSlotOnce: of several writers taking one slot at once (Create,
// as door.FailureLimiter does), exactly one creates the record and the
// others are told it exists; the shared limiter counts a failure only for
// that one.
func testFailureSlotOnce(t *testing.T, s data.Store) {
	ctx := t.Context()
	for round := range 3 {
		var wg sync.WaitGroup
		var mu sync.Mutex
		created := 0
		for range 8 {
			wg.Go(func() {
				f := SignInFailure(round)
				err := s.SignInFailures().Create(ctx, &f)
				switch data.ErrorCode(err) {
				case "":
					mu.Lock()
					created++
					mu.Unlock()
				case data.CodeConflict:
				default:
					t.Errorf("Create: %v", err)
				}
			})
		}
		wg.Wait()
		if created != 1 {
			t.Errorf("round %d: %d writers created the slot, want exactly 1", round, created)
		}
	}
	wantCount(t, s.SignInFailures(), 3)
}

// testSharedSecretOnce: nodes asking for a secret at once all get the one
// the store keeps.
func testSharedSecretOnce(t *testing.T, s data.Store) {
	ctx := t.Context()
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Go(func() {
			v, err := data.SharedSecret(ctx, s.Secrets(), "signin-form", 32)
			if err != nil {
				t.Errorf("SharedSecret: %v", err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	stored, err := s.Secrets().GetByKey(ctx, "signin-form")
	if err != nil {
		t.Fatalf("GetByKey: %v", err)
	}
	if len(stored.Value) != 32 {
		t.Fatalf("stored secret of %d bytes, want 32", len(stored.Value))
	}
	for i, v := range got {
		if !bytes.Equal(v, stored.Value) {
			t.Errorf("caller %d got a secret other than the stored one", i)
		}
	}
	wantCount(t, s.Secrets(), 1)
	again, err := data.SharedSecret(ctx, s.Secrets(), "signin-form", 32)
	if err != nil || !bytes.Equal(again, stored.Value) {
		t.Errorf("a later SharedSecret = %x, %v; want the stored one", again, err)
	}
}

// testSignInNotAudited: writes of sessions, failures and secrets through
// an audited store append nothing to the audit log (a page view must not
// feed the change feed).
func testSignInNotAudited(t *testing.T, s data.Store) {
	ctx := t.Context()
	as := data.Audited(s, "node-1", nil)
	ses := Session(1)
	mustPut(t, as.Sessions(), &ses)
	if err := as.Sessions().Delete(ctx, ses.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	f := SignInFailure(1)
	mustPut(t, as.SignInFailures(), &f)
	if _, err := data.SharedSecret(ctx, as.Secrets(), "x", 32); err != nil {
		t.Fatalf("SharedSecret: %v", err)
	}
	b := Bank(1)
	mustPut(t, as.Banks(), &b) // audited: shows the log works
	entries, _, err := s.Audit().List(ctx, data.ListOptions{})
	if err != nil {
		t.Fatalf("Audit List: %v", err)
	}
	if len(entries) != 1 || entries[0].Kind != data.BankKind.Name {
		t.Errorf("audit log after sign-in writes: %+v, want only the bank's entry", entries)
	}
}
