// Where mirrors sit: real cities on every continent, weighted the way mirror networks are (Europe and North America dense).

export interface City {
  name: string;
  /** ISO country code. */
  country: string;
  continent: 'AF' | 'AS' | 'EU' | 'NA' | 'OC' | 'SA';
  latitude: number;
  longitude: number;
}

const c = (name: string, country: string, continent: City['continent'], latitude: number, longitude: number): City => ({
  name,
  country,
  continent,
  latitude,
  longitude,
});

export const CITIES: readonly City[] = [
  // Europe
  c('paris', 'FR', 'EU', 48.8566, 2.3522),
  c('lyon', 'FR', 'EU', 45.764, 4.8357),
  c('frankfurt', 'DE', 'EU', 50.1109, 8.6821),
  c('berlin', 'DE', 'EU', 52.52, 13.405),
  c('nuremberg', 'DE', 'EU', 49.4521, 11.0767),
  c('amsterdam', 'NL', 'EU', 52.3676, 4.9041),
  c('london', 'GB', 'EU', 51.5072, -0.1276),
  c('manchester', 'GB', 'EU', 53.4808, -2.2426),
  c('dublin', 'IE', 'EU', 53.3498, -6.2603),
  c('madrid', 'ES', 'EU', 40.4168, -3.7038),
  c('lisbon', 'PT', 'EU', 38.7223, -9.1393),
  c('milan', 'IT', 'EU', 45.4642, 9.19),
  c('zurich', 'CH', 'EU', 47.3769, 8.5417),
  c('vienna', 'AT', 'EU', 48.2082, 16.3738),
  c('prague', 'CZ', 'EU', 50.0755, 14.4378),
  c('warsaw', 'PL', 'EU', 52.2297, 21.0122),
  c('stockholm', 'SE', 'EU', 59.3293, 18.0686),
  c('oslo', 'NO', 'EU', 59.9139, 10.7522),
  c('helsinki', 'FI', 'EU', 60.1699, 24.9384),
  c('copenhagen', 'DK', 'EU', 55.6761, 12.5683),
  c('brussels', 'BE', 'EU', 50.8503, 4.3517),
  c('bucharest', 'RO', 'EU', 44.4268, 26.1025),
  c('athens', 'GR', 'EU', 37.9838, 23.7275),
  c('kyiv', 'UA', 'EU', 50.4501, 30.5234),
  c('moscow', 'RU', 'EU', 55.7558, 37.6173),
  // North America
  c('new-york', 'US', 'NA', 40.7128, -74.006),
  c('ashburn', 'US', 'NA', 39.0438, -77.4874),
  c('chicago', 'US', 'NA', 41.8781, -87.6298),
  c('dallas', 'US', 'NA', 32.7767, -96.797),
  c('denver', 'US', 'NA', 39.7392, -104.9903),
  c('seattle', 'US', 'NA', 47.6062, -122.3321),
  c('san-jose', 'US', 'NA', 37.3382, -121.8863),
  c('los-angeles', 'US', 'NA', 34.0522, -118.2437),
  c('atlanta', 'US', 'NA', 33.749, -84.388),
  c('toronto', 'CA', 'NA', 43.6532, -79.3832),
  c('montreal', 'CA', 'NA', 45.5019, -73.5674),
  c('vancouver', 'CA', 'NA', 49.2827, -123.1207),
  c('mexico-city', 'MX', 'NA', 19.4326, -99.1332),
  // South America
  c('sao-paulo', 'BR', 'SA', -23.5505, -46.6333),
  c('rio-de-janeiro', 'BR', 'SA', -22.9068, -43.1729),
  c('buenos-aires', 'AR', 'SA', -34.6037, -58.3816),
  c('santiago', 'CL', 'SA', -33.4489, -70.6693),
  c('bogota', 'CO', 'SA', 4.711, -74.0721),
  c('lima', 'PE', 'SA', -12.0464, -77.0428),
  // Asia
  c('tokyo', 'JP', 'AS', 35.6762, 139.6503),
  c('osaka', 'JP', 'AS', 34.6937, 135.5023),
  c('seoul', 'KR', 'AS', 37.5665, 126.978),
  c('beijing', 'CN', 'AS', 39.9042, 116.4074),
  c('shanghai', 'CN', 'AS', 31.2304, 121.4737),
  c('hong-kong', 'HK', 'AS', 22.3193, 114.1694),
  c('taipei', 'TW', 'AS', 25.033, 121.5654),
  c('singapore', 'SG', 'AS', 1.3521, 103.8198),
  c('jakarta', 'ID', 'AS', -6.2088, 106.8456),
  c('bangkok', 'TH', 'AS', 13.7563, 100.5018),
  c('mumbai', 'IN', 'AS', 19.076, 72.8777),
  c('bangalore', 'IN', 'AS', 12.9716, 77.5946),
  c('dubai', 'AE', 'AS', 25.2048, 55.2708),
  c('tel-aviv', 'IL', 'AS', 32.0853, 34.7818),
  c('istanbul', 'TR', 'AS', 41.0082, 28.9784),
  c('almaty', 'KZ', 'AS', 43.222, 76.8512),
  // Africa
  c('johannesburg', 'ZA', 'AF', -26.2041, 28.0473),
  c('cape-town', 'ZA', 'AF', -33.9249, 18.4241),
  c('nairobi', 'KE', 'AF', -1.2921, 36.8219),
  c('lagos', 'NG', 'AF', 6.5244, 3.3792),
  c('cairo', 'EG', 'AF', 30.0444, 31.2357),
  c('casablanca', 'MA', 'AF', 33.5731, -7.5898),
  // Oceania
  c('sydney', 'AU', 'OC', -33.8688, 151.2093),
  c('melbourne', 'AU', 'OC', -37.8136, 144.9631),
  c('perth', 'AU', 'OC', -31.9505, 115.8605),
  c('auckland', 'NZ', 'OC', -36.8485, 174.7633),
];
