package rfc2136

// UpdateRRs is updateRRs, for the tests of the update sections.
var UpdateRRs = updateRRs
