package agent

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/unbind/unbind/protocol"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the lock catalogue's tables in docs/safe.md")

// safeDoc is the page whose tables are written from the catalogue, between
// the markers below, so the documentation cannot drift from the rules.
const (
	safeDoc      = "../docs/safe.md"
	tablesBegin  = "<!-- catalogue: written by go test ./agent -run TestCatalogueDoc -update-docs -->"
	tablesEnd    = "<!-- end of catalogue -->"
	harmlessNote = "Only system code can keep a lock across a reset, so an account of an app that is not a system app is harmless by rule; the table lists the system-provided types known to be harmless."
)

// foundBy describes the checks that are rules of Assess rather than
// entries of the account or probe catalogue.
var foundBy = map[protocol.RiskKind]string{
	protocol.RiskFindDevice: "Xiaomi's Find Device provider (`content query --uri content://com.xiaomi.finddevice.provider/isLastStatusOpen`) reads 1, or cannot be read while a Mi account is signed in",
	protocol.RiskVendorAccount: "an account type with no entry here whose provider (`RegisteredServicesCache` of `dumpsys account`) is in a phone maker's package namespace (" +
		"`com.xiaomi.`, `com.samsung.`, `com.vivo.`, `com.motorola.`, … see `makerPackagePrefixes`) or a system package (`pm list packages -s`)",
	protocol.RiskManagedDevice:   "`dumpsys device_policy` names a `Device Owner:`, or a `Profile Owner (User N):` with `isOrganizationOwnedDevice=true`",
	protocol.RiskEnterpriseFRP:   "`dumpsys device_policy`: an admin's `mFactoryResetProtectionPolicy:` with `factoryResetProtectionEnabled=true` and at least one account",
	protocol.RiskResetRestricted: "`dumpsys device_policy` lists the `no_factory_reset` user restriction",
	protocol.RiskFRPActive:       "`settings get global secure_frp_mode` (API 34+; `secure` on 30–33) reads 1",
	protocol.RiskLostMode:        "`settings get global com.xiaomi.system.devicelock.locked` is non-zero (Xiaomi phones)",
	protocol.RiskUnknown:         "any check above did not answer: denied, timed out, empty, truncated, or a value it does not know",
}

// sureOf says how sure the catalogue is of the kinds found by Assess's own
// rules (the others take their entries' words).
var sureOf = map[protocol.RiskKind]string{
	protocol.RiskFindDevice: SureRead, protocol.RiskVendorAccount: SureDerived, protocol.RiskManagedDevice: SureRead,
	protocol.RiskEnterpriseFRP: SureRead, protocol.RiskResetRestricted: SureRead, protocol.RiskFRPActive: SureRead,
	protocol.RiskLostMode: SureRead, protocol.RiskUnknown: SureRead,
}

func catalogueTables() string {
	var b strings.Builder
	b.WriteString("| risk kind | found when | what clears it | survives a Settings reset | how sure |\n|---|---|---|---|---|\n")
	for _, l := range protocol.Locks {
		var found, sure []string
		for _, r := range AccountRules {
			if r.Kind != l.Kind {
				continue
			}
			if r.Type != "" {
				found = append(found, "account type `"+r.Type+"`")
			} else {
				found = append(found, "an account provided by `"+r.Package+"`")
			}
			sure = append(sure, r.Sure+" ("+r.Source+")")
		}
		for _, p := range Probes {
			if p.Kind != l.Kind {
				continue
			}
			switch {
			case p.Setting != nil:
				found = append(found, fmt.Sprintf("`settings get %s %s` reads 1", p.Setting.Namespace, p.Setting.Key))
			case p.Provider != "":
				found = append(found, fmt.Sprintf("with `%s` installed, `content query --uri %s` lists a row (denied: could not tell)", p.IfPackage, p.Provider))
			case p.Property != "":
				found = append(found, fmt.Sprintf("property `%s` is one of %s", p.Property, strings.Join(p.OnValues, ", ")))
			}
			sure = append(sure, p.Sure+" ("+p.Source+")")
		}
		if d, ok := foundBy[l.Kind]; ok {
			found = append(found, d)
			sure = append(sure, sureOf[l.Kind])
		}
		survives := "no"
		if l.SurvivesSettingsReset {
			survives = "**yes**"
		}
		fmt.Fprintf(&b, "| `%s` %s | %s | %s (%s) | %s | %s |\n", l.Kind, l.Title, strings.Join(found, "; or "),
			l.Step(), l.ClearedBy, survives, strings.Join(sure, "; "))
	}
	b.WriteString("\nAccounts that cannot lock a phone. " + harmlessNote + "\n\n| account type | from | why harmless | how sure |\n|---|---|---|---|\n")
	for _, r := range AccountRules {
		if r.Harmless() {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s (%s) |\n", r.Type, r.Maker, r.Why, r.Sure, r.Source)
		}
	}
	b.WriteString("\nWhat the previous owner must also do away from the phone, shown for every phone of these makers, since nothing on the phone can prove it done:\n\n| maker | remote step |\n|---|---|\n")
	for _, m := range protocol.Makers {
		fmt.Fprintf(&b, "| %s | %s |\n", m.Name, m.Remote)
	}
	return b.String()
}

func TestCatalogueDoc(t *testing.T) {
	for _, l := range protocol.Locks {
		described := foundBy[l.Kind] != ""
		for _, r := range AccountRules {
			described = described || r.Kind == l.Kind
		}
		for _, p := range Probes {
			described = described || p.Kind == l.Kind
		}
		assert.True(t, described, "%s: the documentation must say how it is found", l.Kind)
	}
	b, err := os.ReadFile(safeDoc)
	require.NoError(t, err)
	doc := string(b)
	begin, end := strings.Index(doc, tablesBegin), strings.Index(doc, tablesEnd)
	require.True(t, begin >= 0 && end > begin, "%s needs the catalogue markers", safeDoc)
	want := doc[:begin+len(tablesBegin)] + "\n" + catalogueTables() + doc[end:]
	if *updateDocs {
		require.NoError(t, os.WriteFile(safeDoc, []byte(want), 0o644))
		return
	}
	assert.Equal(t, want, doc, "docs/safe.md is behind the catalogue: go test ./agent -run TestCatalogueDoc -update-docs")
}
