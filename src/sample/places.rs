//! The real communes the sample manufactures are placed in (INSEE code, rounded population),
//! each with its fictional manufacture and filière.

/// A real commune: name, INSEE code, population (rounded), and the fictional manufacture there.
pub(super) struct Place {
    pub commune: &'static str,
    pub code_insee: &'static str,
    pub population: u32,
    pub name: &'static str,
    pub filiere: &'static str,
}

macro_rules! places {
    ($(($commune:literal, $insee:literal, $pop:literal, $name:literal, $filiere:literal)),* $(,)?) => {
        [$(Place { commune: $commune, code_insee: $insee, population: $pop, name: $name, filiere: $filiere }),*]
    };
}

pub(super) const PLACES: [Place; 30] = places![
    ("Nevers", "58194", 33000, "La Fabrique nivernaise", "bois"),
    ("Tulle", "19272", 13000, "L'Établi corrézien", "métal"),
    (
        "Saint-Étienne",
        "42218",
        173000,
        "Manufacture du Crêt",
        "fabrication numérique"
    ),
    ("Roubaix", "59512", 98000, "Les Ateliers du Fil", "textile"),
    (
        "Lorient",
        "56121",
        58000,
        "Le Hangar des Gréements",
        "réemploi"
    ),
    ("Figeac", "46102", 10000, "L'Atelier du Célé", "bois"),
    ("Aurillac", "15014", 26000, "La Forge cantalienne", "métal"),
    (
        "Chalon-sur-Saône",
        "71076",
        45000,
        "Le Quai des Savoir-Faire",
        "fabrication numérique"
    ),
    (
        "Besançon",
        "25056",
        118000,
        "La Manufacture horlogère partagée",
        "métal"
    ),
    (
        "Saint-Dié-des-Vosges",
        "88413",
        19000,
        "L'Atelier de la Meurthe",
        "bois"
    ),
    (
        "Thiers",
        "63430",
        12000,
        "Coutellerie partagée de Thiers",
        "métal"
    ),
    ("Annonay", "07010", 17000, "La Tannerie solidaire", "cuir"),
    (
        "Oyonnax",
        "01283",
        22000,
        "Plasturgie en commun",
        "réemploi"
    ),
    ("Cholet", "49099", 54000, "Le Tissage choletais", "textile"),
    (
        "Guingamp",
        "22070",
        7000,
        "Ti ar Vicherourien",
        "éco-construction"
    ),
    (
        "Douarnenez",
        "29046",
        14000,
        "La Conserverie des Possibles",
        "alimentaire"
    ),
    (
        "Mont-de-Marsan",
        "40192",
        32000,
        "Le Pin des Landes",
        "bois"
    ),
    (
        "Millau",
        "12145",
        22000,
        "Ganterie partagée du Tarn",
        "cuir"
    ),
    (
        "Carcassonne",
        "11069",
        46000,
        "La Fabrique de la Cité",
        "céramique"
    ),
    (
        "Ajaccio",
        "2A004",
        76000,
        "Fabbrica Aiaccina",
        "fabrication numérique"
    ),
    ("Saint-Denis", "97411", 156000, "Lakour Fabrik", "réemploi"),
    (
        "Fort-de-France",
        "97209",
        76000,
        "Atelier Bwa Kanpèch",
        "bois"
    ),
    (
        "Abbeville",
        "80001",
        22000,
        "Les Ateliers de la Baie",
        "textile"
    ),
    (
        "Charleville-Mézières",
        "08105",
        46000,
        "La Fonderie ardennaise",
        "métal"
    ),
    (
        "Vierzon",
        "18279",
        25000,
        "La Porcelainerie du Cher",
        "céramique"
    ),
    (
        "Limoges",
        "87085",
        130000,
        "L'Atelier des Émaux",
        "céramique"
    ),
    ("Guéret", "23096", 13000, "La Laine creusoise", "textile"),
    (
        "Arles",
        "13004",
        52000,
        "La Fabrique camarguaise",
        "éco-construction"
    ),
    (
        "Grenoble",
        "38185",
        156000,
        "Le FabLab des Alpes",
        "fabrication numérique"
    ),
    ("Rouen", "76540", 118000, "Le Dock normand", "réemploi"),
];
