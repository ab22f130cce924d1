/**
 * @module data/transformers/word-lists
 * The small embedded vocabularies fakes are drawn from. Deliberately international and made-up
 * enough that a fake never points at a particular person; the leak scanner also uses them to tell
 * a fake apart from a surviving real value.
 */

// biome-ignore format: a word list reads better packed than one word per line
export const FIRST_NAMES = [
  'Ada', 'Aiko', 'Alba', 'Amara', 'Anders', 'Anouk', 'Arjun', 'Astrid', 'Bao', 'Beatriz', 'Bruno', 'Carmen',
  'Chidi', 'Clara', 'Dalia', 'Dario', 'Dmitri', 'Elif', 'Elena', 'Emeka', 'Emil', 'Esme', 'Farah', 'Felix',
  'Freya', 'Gaspard', 'Greta', 'Hana', 'Hugo', 'Ines', 'Ingrid', 'Ivo', 'Jonas', 'Jun', 'Kai', 'Kamala',
  'Karim', 'Kenji', 'Lars', 'Leila', 'Lena', 'Liam', 'Lucia', 'Luka', 'Maya', 'Malik', 'Marta', 'Mateo',
  'Mei', 'Milan', 'Mira', 'Nadia', 'Naveen', 'Nia', 'Nils', 'Noor', 'Olga', 'Omar', 'Oskar', 'Paloma',
  'Pavel', 'Priya', 'Quentin', 'Rafael', 'Rania', 'Ravi', 'Rosa', 'Ruben', 'Sacha', 'Saanvi', 'Samir', 'Sana',
  'Sven', 'Talia', 'Tariq', 'Thea', 'Tomas', 'Uma', 'Valentin', 'Vera', 'Wanjiru', 'Wim', 'Xavier', 'Yara',
  'Yusuf', 'Zainab', 'Zara', 'Zoltan',
] as const

// biome-ignore format: a word list reads better packed than one word per line
export const LAST_NAMES = [
  'Abara', 'Almeida', 'Andersen', 'Bakker', 'Banerjee', 'Berg', 'Bianchi', 'Brandt', 'Castillo', 'Chen', 'Costa',
  'Dahl', 'Demir', 'Dubois', 'Eriksen', 'Farouk', 'Fischer', 'Fonseca', 'Garcia', 'Hakimi', 'Hansen', 'Haddad',
  'Horvat', 'Ibrahim', 'Ivanova', 'Jansen', 'Kaur', 'Kim', 'Kowalski', 'Kruger', 'Lambert', 'Larsen', 'Lindqvist',
  'Lopez', 'Moreau', 'Mendes', 'Mensah', 'Meyer', 'Morales', 'Nakamura', 'Novak', 'Nowak', 'Okafor', 'Olsen',
  'Ortiz', 'Park', 'Patel', 'Petrov', 'Popescu', 'Quinn', 'Rahman', 'Ramos', 'Reyes', 'Richter', 'Rossi',
  'Sato', 'Schmidt', 'Silva', 'Sokolov', 'Suzuki', 'Tanaka', 'Torres', 'Tran', 'Van Dijk', 'Vargas', 'Varga',
  'Visser', 'Wagner', 'Wong', 'Yilmaz', 'Yamamoto', 'Zhang', 'Zielinski',
] as const

// biome-ignore format: a word list reads better packed than one word per line
export const STREET_NAMES = [
  'Acacia', 'Alder', 'Aspen', 'Birch', 'Bluebell', 'Cedar', 'Chestnut', 'Clover', 'Cypress', 'Elm', 'Fern',
  'Hawthorn', 'Hazel', 'Heather', 'Holly', 'Juniper', 'Larch', 'Laurel', 'Linden', 'Magnolia', 'Maple', 'Meadow',
  'Mill', 'Orchard', 'Pine', 'Poplar', 'Quarry', 'Rowan', 'Sorrel', 'Spruce', 'Station', 'Sycamore', 'Thistle',
  'Walnut', 'Willow', 'Yew',
] as const

export const STREET_SUFFIXES = ['Street', 'Road', 'Lane', 'Avenue', 'Way', 'Close', 'Court', 'Place', 'Row'] as const

/** Invented town names: a fake address must not be somebody's town. */
// biome-ignore format: a word list reads better packed than one word per line
export const CITIES = [
  'Ashbury', 'Belmere', 'Brackenford', 'Carrowmore', 'Dunwick', 'Eastholm', 'Elderbrook', 'Fairhaven', 'Glenmoor',
  'Greywater', 'Harrowgate', 'Hollowmere', 'Ivybridge Vale', 'Kestrel Cove', 'Larkspur', 'Lindenfeld', 'Marlowe',
  'Millbrook', 'Northwold', 'Oakhurst', 'Pinecrest', 'Quillon', 'Redfern', 'Rosedale', 'Saltmarsh', 'Silverton',
  'Stonebridge', 'Thornbury', 'Upton Reach', 'Valemont', 'Westerby', 'Whitlow', 'Willowmere', 'Yarrowby',
] as const

// biome-ignore format: a word list reads better packed than one word per line
export const LOREM_WORDS = [
  'lorem', 'ipsum', 'dolor', 'sit', 'amet', 'consectetur', 'adipiscing', 'elit', 'sed', 'do', 'eiusmod', 'tempor',
  'incididunt', 'ut', 'labore', 'et', 'dolore', 'magna', 'aliqua', 'enim', 'ad', 'minim', 'veniam', 'quis',
  'nostrud', 'exercitation', 'ullamco', 'laboris', 'nisi', 'aliquip', 'ex', 'ea', 'commodo', 'consequat', 'duis',
  'aute', 'irure', 'in', 'reprehenderit', 'voluptate', 'velit', 'esse', 'cillum', 'eu', 'fugiat', 'nulla',
  'pariatur', 'excepteur', 'sint', 'occaecat', 'cupidatat', 'non', 'proident', 'sunt', 'culpa', 'qui', 'officia',
  'deserunt', 'mollit', 'anim', 'id', 'est', 'laborum',
] as const

/** Every word the fakes can produce, lower-cased: a staging value made only of these is not a leak. */
export const FAKE_VOCABULARY: ReadonlySet<string> = new Set(
  [...FIRST_NAMES, ...LAST_NAMES, ...STREET_NAMES, ...STREET_SUFFIXES, ...CITIES, ...LOREM_WORDS].flatMap((w) =>
    w.toLowerCase().split(' '),
  ),
)
