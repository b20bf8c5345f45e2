package memstore

import (
	"testing"

	"ipmatch/data"
	"ipmatch/data/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) data.Store { return New() })
}
