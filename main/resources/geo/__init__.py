"""Places from location text: the offline resolver over the GeoNames gazetteer (the default,
no network), and LocationIQ's HTTP API (`GEOCODER=locationiq`)."""
