// What the GeoIP data says about one address.

export interface ClientLocation {
  ip: string;
  /** Upper-case ISO country code, '' when unknown. */
  countryCode: string;
  /** Upper-case continent code (AF AN AS EU NA OC SA), '' when unknown. */
  continentCode: string;
  city: string;
  country: string;
  latitude: number;
  longitude: number;
  asn: number;
  asName: string;
  /** True when the country is known (Mirrorbits' notion of a geolocated client). */
  valid: boolean;
}

export const unknownLocation = (ip: string): ClientLocation => ({
  ip,
  countryCode: '',
  continentCode: '',
  city: '',
  country: '',
  latitude: 0,
  longitude: 0,
  asn: 0,
  asName: '',
  valid: false,
});
