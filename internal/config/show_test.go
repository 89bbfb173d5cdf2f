package config
import ("testing";"path/filepath";"os")
func TestShow(t *testing.T){
	for _, c := range []string{
		"providers:\n  own: {type: fake\nzones: []\n",
		"providers:\n  own:\n    type: fake\n    tsig: {name: a, secret: hunter2}\n    api_token: &tok env:NOPE\n    x: *tok\n  two: *nothere\nzones:\n  - origin: '@'\n    file: .\n    providers: own\nstate: 5\n",
		"- a\n- b\n",
		"providers:\n  own:\n    type: fake\n    port: 99999999999999999999\nzones:\n  - origin: a.\n    file: z\n    providers: [own]\n    ignore: [{name: 'a/b', type: 5}]\n",
	} {
		dir := t.TempDir(); p := filepath.Join(dir, "zonecast.yaml"); os.WriteFile(p, []byte(c), 0o600)
		_, err := Load(p, testDrivers); t.Logf("\n%v", err)
	}
}
