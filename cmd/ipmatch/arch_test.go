package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsPointOneWay enforces docs/ARCHITECTURE.md: data → search →
// matcher → app → door → api and web (siblings) → cmd, each third-party
// library kept in its own package.
func TestImportsPointOneWay(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not found")
	}
	forbidden := map[string][]string{
		"ipmatch/data":    {"ipmatch/search", "ipmatch/matcher", "ipmatch/app", "ipmatch/api", "github.com/gin-gonic/gin", "github.com/blevesearch/bleve/v2", "gonum.org/v1/gonum", "go.mongodb.org/mongo-driver/v2", "modernc.org/sqlite"},
		"ipmatch/search":  {"ipmatch/matcher", "ipmatch/app", "ipmatch/api", "github.com/gin-gonic/gin", "go.mongodb.org/mongo-driver/v2", "gonum.org/v1/gonum"},
		"ipmatch/matcher": {"ipmatch/search", "ipmatch/app", "ipmatch/api", "github.com/gin-gonic/gin", "go.mongodb.org/mongo-driver/v2", "github.com/blevesearch/bleve/v2"},
		// The scheduler is domain code like matcher: data and gonum only.
		"ipmatch/matcher/schedule": {"ipmatch/search", "ipmatch/app", "ipmatch/door", "ipmatch/api", "ipmatch/web", "github.com/gin-gonic/gin", "go.mongodb.org/mongo-driver/v2", "github.com/blevesearch/bleve/v2"},
		// The application layer knows no HTTP and no storage engine: the
		// doors sit on it, the stores are handed to it.
		"ipmatch/app": {"ipmatch/door", "ipmatch/api", "ipmatch/web", "github.com/gin-gonic/gin", "go.mongodb.org/mongo-driver/v2", "modernc.org/sqlite", "ipmatch/data/sqlite", "ipmatch/data/mongo"},
		// gin itself pulls in the driver's bson package for its BSON
		// renderer, so api is kept off the driver's client, not off bson.
		// The two doors are siblings on door: neither imports the other.
		"ipmatch/door": {"ipmatch/api", "ipmatch/web", "go.mongodb.org/mongo-driver/v2/mongo", "modernc.org/sqlite", "ipmatch/data/sqlite", "ipmatch/data/mongo"},
		"ipmatch/api":  {"ipmatch/web", "go.mongodb.org/mongo-driver/v2/mongo", "modernc.org/sqlite", "ipmatch/data/sqlite", "ipmatch/data/mongo"},
		"ipmatch/web":  {"ipmatch/api", "go.mongodb.org/mongo-driver/v2/mongo", "modernc.org/sqlite", "ipmatch/data/sqlite", "ipmatch/data/mongo"},
		// The in-memory store is a Store like the others: data only.
		"ipmatch/data/memstore": {"ipmatch/search", "ipmatch/matcher", "ipmatch/app", "ipmatch/door", "ipmatch/api", "ipmatch/web", "github.com/gin-gonic/gin", "modernc.org/sqlite", "go.mongodb.org/mongo-driver/v2"},
		// The line of slots is a leaf every layer may use.
		"ipmatch/slots": {"ipmatch/data", "ipmatch/search", "ipmatch/matcher", "ipmatch/app", "ipmatch/door", "ipmatch/api", "ipmatch/web"},
		// The production binary must not carry the test-only FerretDB.
		"ipmatch/cmd/ipmatch": {"github.com/FerretDB/FerretDB"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		for _, d := range deps {
			for _, b := range bad {
				if d == b || strings.HasPrefix(d, b+"/") {
					t.Errorf("%s imports %s (via its dependencies), against the one-way rule", pkg, d)
				}
			}
		}
	}
}
