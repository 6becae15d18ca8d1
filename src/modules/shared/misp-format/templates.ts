// Facts about the MISP object templates our expansions build (docs/protocol.md#misp-objects). MISP reads the
// template uuid to link an object to its template; the version is informational. Each
// relation carries the attribute type and correlation flag the template declares, so a
// builder cannot produce a relation the template does not know.

export interface RelationFact {
  /** MISP attribute type of the relation (`misp-attribute` in the template). */
  readonly type: string;
  /** The template's `disable_correlation` flag for this relation. */
  readonly disableCorrelation: boolean;
  /** Whether the relation may appear more than once in one object. */
  readonly multiple?: boolean;
}

export interface ObjectTemplateFact {
  readonly name: string;
  readonly uuid: string;
  readonly version: string;
  readonly metaCategory: string;
  readonly description: string;
  readonly relations: Readonly<Record<string, RelationFact>>;
  /** Relations that must all be present. */
  readonly required?: readonly string[];
  /** At least one of these relations must be present. */
  readonly requiredOneOf?: readonly string[];
}

const correlating = (type: string, multiple = false): RelationFact => ({ type, disableCorrelation: false, multiple });
const uncorrelated = (type: string, multiple = false): RelationFact => ({ type, disableCorrelation: true, multiple });

export const TOR_HIDDENSERVICE: ObjectTemplateFact = {
  name: "tor-hiddenservice",
  uuid: "cbac07d6-fbe9-43b8-8d91-d515812ce330",
  version: "2",
  metaCategory: "misc",
  description: "Tor hidden service (onion service) object.",
  relations: {
    address: correlating("onion-address"),
    "first-seen": uncorrelated("datetime"),
    "last-seen": uncorrelated("datetime"),
    language: uncorrelated("text", true),
    title: uncorrelated("text", true),
    description: uncorrelated("text"),
  },
  required: ["address"],
};

export const HASHLOOKUP: ObjectTemplateFact = {
  name: "hashlookup",
  uuid: "18671816-2524-452e-b031-5fc0fe2ab774",
  version: "3",
  metaCategory: "file",
  description: "hashlookup object as described on hashlookup services from circl.lu - https://www.circl.lu/services/hashlookup",
  relations: {
    source: uncorrelated("text"),
    KnownMalicious: uncorrelated("text"),
    PackageArch: uncorrelated("text"),
    PackageDescription: uncorrelated("text"),
    PackageMaintainer: correlating("text"),
    PackageName: uncorrelated("text"),
    PackageRelease: uncorrelated("text"),
    PackageVersion: uncorrelated("text"),
    MD5: correlating("md5"),
    "SHA-1": correlating("sha1"),
    "SHA-256": correlating("sha256"),
    SSDEEP: correlating("ssdeep"),
    TLSH: correlating("tlsh"),
    FileName: uncorrelated("filename"),
    FileSize: uncorrelated("size-in-bytes"),
  },
  requiredOneOf: ["FileName", "FileSize", "MD5", "SHA-1", "SHA-256", "TLSH", "SSDEEP"],
};

export const GEOLOCATION: ObjectTemplateFact = {
  name: "geolocation",
  uuid: "cd6f2238-ba55-4888-82c4-104e6e1acf21",
  version: "8",
  metaCategory: "misc",
  description: "An object to describe a geographic location.",
  relations: {
    country: correlating("text"),
    countrycode: correlating("text"),
    text: uncorrelated("text"),
    city: correlating("text"),
    region: correlating("text"),
    address: correlating("text"),
    zipcode: correlating("text"),
    neighborhood: correlating("text"),
    epsg: correlating("text"),
    "spacial-reference": uncorrelated("text"),
    latitude: uncorrelated("float"),
    longitude: uncorrelated("float"),
    altitude: correlating("float"),
    "accuracy-radius": correlating("float"),
    "first-seen": uncorrelated("datetime"),
    "last-seen": uncorrelated("datetime"),
  },
  requiredOneOf: ["latitude", "longitude", "city", "region", "country", "epsg"],
};

export const ASN: ObjectTemplateFact = {
  name: "asn",
  uuid: "4ec55cc6-9e49-4c64-b794-03c25c1a6587",
  version: "6",
  metaCategory: "network",
  description:
    "Autonomous system object describing an autonomous system which can include one or more network operators managing " +
    "an entity (e.g. ISP) along with their routing policy, routing prefixes or alike.",
  relations: {
    asn: correlating("AS"),
    name: correlating("text"),
    organization: correlating("text"),
    country: correlating("text"),
    description: correlating("text"),
    "subnet-announced": correlating("ip-src", true),
    "first-seen": uncorrelated("datetime"),
    "last-seen": uncorrelated("datetime"),
  },
  requiredOneOf: ["asn"],
};

export const OBJECT_TEMPLATES: Readonly<Record<string, ObjectTemplateFact>> = {
  [TOR_HIDDENSERVICE.name]: TOR_HIDDENSERVICE,
  [HASHLOOKUP.name]: HASHLOOKUP,
  [GEOLOCATION.name]: GEOLOCATION,
  [ASN.name]: ASN,
};
