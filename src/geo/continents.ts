// ISO 3166-1 alpha-2 country codes (plus XK, Kosovo, as MaxMind uses it) with the continent
// and English name MaxMind's GeoIP2 data assigns, for sources that only give a country code.

/** One line per country: code, continent code, English name (GeoNames/MaxMind spelling). */
const TABLE = `
AD EU Andorra
AE AS United Arab Emirates
AF AS Afghanistan
AG NA Antigua and Barbuda
AI NA Anguilla
AL EU Albania
AM AS Armenia
AO AF Angola
AQ AN Antarctica
AR SA Argentina
AS OC American Samoa
AT EU Austria
AU OC Australia
AW NA Aruba
AX EU Åland
AZ AS Azerbaijan
BA EU Bosnia and Herzegovina
BB NA Barbados
BD AS Bangladesh
BE EU Belgium
BF AF Burkina Faso
BG EU Bulgaria
BH AS Bahrain
BI AF Burundi
BJ AF Benin
BL NA Saint Barthélemy
BM NA Bermuda
BN AS Brunei
BO SA Bolivia
BQ NA Bonaire, Sint Eustatius, and Saba
BR SA Brazil
BS NA Bahamas
BT AS Bhutan
BV AN Bouvet Island
BW AF Botswana
BY EU Belarus
BZ NA Belize
CA NA Canada
CC AS Cocos (Keeling) Islands
CD AF DR Congo
CF AF Central African Republic
CG AF Congo Republic
CH EU Switzerland
CI AF Ivory Coast
CK OC Cook Islands
CL SA Chile
CM AF Cameroon
CN AS China
CO SA Colombia
CR NA Costa Rica
CU NA Cuba
CV AF Cabo Verde
CW NA Curaçao
CX OC Christmas Island
CY EU Cyprus
CZ EU Czechia
DE EU Germany
DJ AF Djibouti
DK EU Denmark
DM NA Dominica
DO NA Dominican Republic
DZ AF Algeria
EC SA Ecuador
EE EU Estonia
EG AF Egypt
EH AF Western Sahara
ER AF Eritrea
ES EU Spain
ET AF Ethiopia
FI EU Finland
FJ OC Fiji
FK SA Falkland Islands
FM OC Micronesia
FO EU Faroe Islands
FR EU France
GA AF Gabon
GB EU United Kingdom
GD NA Grenada
GE AS Georgia
GF SA French Guiana
GG EU Guernsey
GH AF Ghana
GI EU Gibraltar
GL NA Greenland
GM AF The Gambia
GN AF Guinea
GP NA Guadeloupe
GQ AF Equatorial Guinea
GR EU Greece
GS AN South Georgia and South Sandwich Islands
GT NA Guatemala
GU OC Guam
GW AF Guinea-Bissau
GY SA Guyana
HK AS Hong Kong
HM AN Heard and McDonald Islands
HN NA Honduras
HR EU Croatia
HT NA Haiti
HU EU Hungary
ID AS Indonesia
IE EU Ireland
IL AS Israel
IM EU Isle of Man
IN AS India
IO AS British Indian Ocean Territory
IQ AS Iraq
IR AS Iran
IS EU Iceland
IT EU Italy
JE EU Jersey
JM NA Jamaica
JO AS Jordan
JP AS Japan
KE AF Kenya
KG AS Kyrgyzstan
KH AS Cambodia
KI OC Kiribati
KM AF Comoros
KN NA St Kitts and Nevis
KP AS North Korea
KR AS South Korea
KW AS Kuwait
KY NA Cayman Islands
KZ AS Kazakhstan
LA AS Laos
LB AS Lebanon
LC NA Saint Lucia
LI EU Liechtenstein
LK AS Sri Lanka
LR AF Liberia
LS AF Lesotho
LT EU Lithuania
LU EU Luxembourg
LV EU Latvia
LY AF Libya
MA AF Morocco
MC EU Monaco
MD EU Moldova
ME EU Montenegro
MF NA Saint Martin
MG AF Madagascar
MH OC Marshall Islands
MK EU North Macedonia
ML AF Mali
MM AS Myanmar
MN AS Mongolia
MO AS Macao
MP OC Northern Mariana Islands
MQ NA Martinique
MR AF Mauritania
MS NA Montserrat
MT EU Malta
MU AF Mauritius
MV AS Maldives
MW AF Malawi
MX NA Mexico
MY AS Malaysia
MZ AF Mozambique
NA AF Namibia
NC OC New Caledonia
NE AF Niger
NF OC Norfolk Island
NG AF Nigeria
NI NA Nicaragua
NL EU The Netherlands
NO EU Norway
NP AS Nepal
NR OC Nauru
NU OC Niue
NZ OC New Zealand
OM AS Oman
PA NA Panama
PE SA Peru
PF OC French Polynesia
PG OC Papua New Guinea
PH AS Philippines
PK AS Pakistan
PL EU Poland
PM NA Saint Pierre and Miquelon
PN OC Pitcairn Islands
PR NA Puerto Rico
PS AS Palestine
PT EU Portugal
PW OC Palau
PY SA Paraguay
QA AS Qatar
RE AF Réunion
RO EU Romania
RS EU Serbia
RU EU Russia
RW AF Rwanda
SA AS Saudi Arabia
SB OC Solomon Islands
SC AF Seychelles
SD AF Sudan
SE EU Sweden
SG AS Singapore
SH AF Saint Helena
SI EU Slovenia
SJ EU Svalbard and Jan Mayen
SK EU Slovakia
SL AF Sierra Leone
SM EU San Marino
SN AF Senegal
SO AF Somalia
SR SA Suriname
SS AF South Sudan
ST AF São Tomé and Príncipe
SV NA El Salvador
SX NA Sint Maarten
SY AS Syria
SZ AF Eswatini
TC NA Turks and Caicos Islands
TD AF Chad
TF AN French Southern Territories
TG AF Togo
TH AS Thailand
TJ AS Tajikistan
TK OC Tokelau
TL OC Timor-Leste
TM AS Turkmenistan
TN AF Tunisia
TO OC Tonga
TR AS Türkiye
TT NA Trinidad and Tobago
TV OC Tuvalu
TW AS Taiwan
TZ AF Tanzania
UA EU Ukraine
UG AF Uganda
UM OC U.S. Outlying Islands
US NA United States
UY SA Uruguay
UZ AS Uzbekistan
VA EU Vatican City
VC NA St Vincent and Grenadines
VE SA Venezuela
VG NA British Virgin Islands
VI NA U.S. Virgin Islands
VN AS Vietnam
VU OC Vanuatu
WF OC Wallis and Futuna
WS OC Samoa
XK EU Kosovo
YE AS Yemen
YT AF Mayotte
ZA AF South Africa
ZM AF Zambia
ZW AF Zimbabwe
`;

const CONTINENTS = new Set(['AF', 'AN', 'AS', 'EU', 'NA', 'OC', 'SA']);

const continentByCode = new Map<string, string>();
const nameByCode = new Map<string, string>();
for (const line of TABLE.split('\n')) {
  if (line === '') continue;
  const code = line.slice(0, 2);
  continentByCode.set(code, line.slice(3, 5));
  nameByCode.set(code, line.slice(6));
}

/** Every known country code, sorted. */
export const countryCodes = (): string[] => [...continentByCode.keys()];

export const isCountryCode = (cc: string): boolean => continentByCode.has(cc.toUpperCase());

export const isContinentCode = (c: string): boolean => CONTINENTS.has(c.toUpperCase());

/** The continent code of a country code (any case), '' when the code is unknown. */
export const continentOf = (cc: string): string => continentByCode.get(cc.toUpperCase()) ?? '';

/** The English name of a country code (any case), '' when the code is unknown. */
export const countryName = (cc: string): string => nameByCode.get(cc.toUpperCase()) ?? '';
