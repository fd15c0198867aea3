"""Holder names for the search benchmark (tests/browser/bench_search.py): a roster of
`n` names that looks, to the search index, like a real one of that size.

Why not the Rust benchmarks' `name(i)` (benches/common/mod.rs): at 1,000,000 it
gives 576 given names of 1,736 holders each, 13,824 family names of 72 or 73 holders
each, and all of them begin with one of 24 syllables, so the index sees only 24
two-letter keys, every given name fills a shard ("more"), and no family name is rare
or double-barrelled. Real rosters are skewed: a few names are very common and most are
rare. It is still available here (`synthetic_name`, `--names synthetic`) to compare.

This roster:
  * given names: 85% from a list of about 300 (many languages, accents as written),
    drawn with Zipf-Mandelbrot weights (rank r weighs 1/(r + 8): the most common,
    "María"/"Maria", is about 2% of holders); 15% from 5,000 made-up ones; one in ten
    holders has a second given name;
  * family names: 60% from a list of about 400, Zipf-Mandelbrot (1/(r + 15)); 35%
    from 60,000 made-up ones (each a handful of holders: the rare tail); 4%
    double-barrelled ("Hoffmann-Šimić"), two listed names joined by a hyphen;
  * 0.5% of holders are written in another script (Greek, Cyrillic, Han, Hangul);
  * some fixed holders are planted (`PLANTED`) at fixed places, so that every size
    has the names the benchmark types.

At 1,000,000: 621,545 distinct names, 64,673 distinct words under 238 two-letter
keys, 424 words with over 1,000 holders (more than one shard holds), the commonest
"maria" (35,730). `python3 tests/browser/search_names.py N` prints these figures for
both rosters.

Deterministic: the same `n` and seed give the same roster.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
import unicodedata

GIVEN = """
María José Mohammed Anna Wei Jean Juan Ana David Michael Fatima Sarah Ahmed Laura
John Li Carlos Marie Elena Luis Sofía James Olga Ali Jennifer Daniel Emma Peter Thomas
Maria Paula Jesús Andrea Ivan Mark Robert Linda Javier Carmen Mary Pedro Lucía Hassan Nguyễn
Marta Martin Martina Mariana Marco Marcos Mario Marek Mariam Marina Martín Markus Marcel
Miguel Manuel Mateo Maximilian Magdalena Małgorzata Maja Mia Mehmet Ayşe Emre Zeynep Çağla
Şule Gökhan Yusuf Omar Aisha Layla Hana Hanna Hannah Helena Hélène Henrik Henri Hugo
Jürgen Jörg Jonas Julia Julian Juliette Jakub Jan Jana Jiří Joanna João Joaquim Jorge
Josef Joseph Jessica Jennifer Jacques Jérôme Jasmin Lena Lea Léa Leon Léon Leonor Lukas
Łukasz Lucas Luca Lorenzo Louis Louise Lisa Liam Lars Lina Linh Laila Katarzyna Katharina
Karen Karin Karl Kristín Kwame Kenji Kofi Kim Ingrid Inés Isabel Isabella Irina Igor
Ólafur Oliver Olivia Oscar Óscar Otto Pablo Patricia Patrick Paul Paulo Piotr Priya
Pierre Pádraig Rahul Rafael Rania Raúl Richard Rita Roberto Rodrigo Rosa Ruth Sami Samir
Sandra Sara Sean Seán Sebastian Sergei Siobhán Sigríður Simon Simone Sofia Søren Sören
Stefan Stéphane Susan Svetlana Tatiana Thảo Théo Tomás Tomáš Tom Ursula Valentina Vera
Victor Víctor Vikram Wojciech Xin Yan Yasmin Yuki Yusuf Zoé Zoë Zuzana Zofia Agnieszka
Aoife Aarav Ananya Arjun Amélie Amara Anaïs Andrés Antonio Astrid Åsa Beatriz Benoît Björn
Bernardo Camille Caoimhe Céline Chiara Chinedu Ciarán Claudia Clara Cristina Dmitri
Dragan Deepa Diego Dimitris Eabha Éabha Eduardo Eleni Elif Elizabeth Emily Emil Enrique
Erik Ethan Eva Fang Federica Felix Fernando Filip Francesca Francesco François Gabriel
Gaëlle Gerhard Giorgos Giulia Giuseppe Gonçalo Grace Greta Guillermo Hao Huy Ibrahim Ines
Isaac Jelena Jing Katerina Lei Leila Lin Marija Mette Milica Minh Niamh Nikola Nils Ngozi
Niccolò Noah Oleksandr Olena Petra Rosa Sunita Théa Trang Yan Youssef Zsófia Ştefan
"""

FAMILY = """
García, Smith, Müller, Nguyễn, Rodríguez, Martínez, Wang, Kumar, Silva, Santos,
Fernández, López, González, Johnson, Williams, Brown, Jones, Miller, Davis, Schmidt,
Schneider, Fischer, Weber, Meyer, Wagner, Becker, Hoffmann, Martin, Bernard, Dubois,
Thomas, Petit, Durand, Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo,
Nowak, Kowalski, Wiśniewski, Wójcik, Kowalczyk, Kamiński, Lewandowski, Novák, Svoboda,
Dvořák, Černý, Procházka, Horváth, Nagy, Tóth, Kovačević, Horvat, Babić, Šimić,
Jovanović, Petrović, Nikolić, Ivanov, Smirnov, Kuznetsov, Popov, Shevchenko, Kovalenko,
Yılmaz, Kaya, Demir, Şahin, Çelik, Öztürk, Papadopoulos, Georgiou, Nielsen, Jensen,
Hansen, Pedersen, Andersen, Johansson, Andersson, Karlsson, Nilsson, Eriksson,
Jørgensen, Sørensen, Virtanen, Korhonen, Mäkinen, Jónsson, Guðmundsdóttir, Murphy,
Kelly, O'Sullivan, Walsh, O'Brien, Byrne, Ryan, O'Connor, Ó Briain, Mac Cárthaigh,
Pereira, Oliveira, Costa, Rodrigues, Almeida, Carvalho, Gomes, Sánchez, Pérez, Gómez,
Díaz, Hernández, Muñoz, Álvarez, Romero, Ruiz, Núñez, Jiménez, Moreno, Martins,
Marín, Márquez, Marques, Marchetti, Mariani, Marino, Marx, Marsh, Marshall, Mason,
Matthews, Mayer, Maier, Meier, Mendoza, Medina, Molina, Mora, Morales, Moretti,
Morgan, Morris, Moser, Mueller, Murray, Tanaka, Suzuki, Sato, Takahashi, Kim, Lee,
Park, Choi, Chen, Liu, Yang, Huang, Zhao, Wu, Zhou, Xu, Sun, Ma, Zhu, Hu, Guo, Tran,
Le, Pham, Hoang, Phan, Vu, Dang, Bui, Do, Ho, Ngo, Duong, Ly, Singh, Sharma, Patel,
Gupta, Reddy, Iyer, Das, Khan, Hussain, Ali, Ahmed, Haddad, Mansour, Nasser, Okafor,
Mensah, Adeyemi, van der Berg, de Vries, van Dijk, Bakker, Janssen, Visser, Smit,
de Jong, Dupont, Lefebvre, Moreau, Laurent, Girard, Roux, Fontaine, Chevalier,
Lambert, Faure, Bonnet, Wilson, Taylor, Anderson, Thompson, White, Harris, Clark,
Lewis, Robinson, Walker, Young, Allen, King, Wright, Scott, Green, Baker, Adams,
Nelson, Hill, Campbell, Mitchell, Roberts, Carter, Phillips, Evans, Turner, Torres,
Parker, Collins, Edwards, Stewart, Flores, Cook, Rogers, Peterson, Cooper, Reed,
Bailey, Bell, Howard, Ward, Cox, Richardson, Wood, Watson, Brooks, Bennett, Gray,
James, Reyes, Cruz, Hughes, Price, Myers, Long, Foster, Sanders, Ross, Powell,
Sullivan, Russell, Ortiz, Jenkins, Gutiérrez, Perry, Butler, Barnes, Fisher,
Henderson, Coleman, Simmons, Patterson, Jordan, Reynolds, Hamilton, Graham, Wallace,
Cole, West, Krüger, Schäfer, Köhler, Braun, Zimmermann, Schulz, Hartmann, Lange,
Schmitt, Werner, Krause, Lehmann, Schwarz, Vogel, Friedrich, Keller, Günther, Frank,
Berger, Winkler, Roth, Beck, Lorenz, Baumann, Franke, Albrecht, Ludwig, Böhm,
Sommer, Groß, Engel, Horn, Kühn, Peters, Kaiser, Fuchs, Scholz, Jung, Hahn, Vogt,
Bauer, Huber, Gruber, Pichler, Steiner, Moser, Mayr, Leitner, Brunner, Eder,
Gallagher, Doyle, McCarthy, Quinn, Ní Bhriain, Ó Súilleabháin, Þórsdóttir, Håkansson,
Lindqvist, Lundgren, Bergström, Sjöberg, Łukaszewicz, Zieliński, Szymański, Woźniak,
Dąbrowski, Kozłowski, Jankowski, Mazur, Krawczyk, Kaczmarek, Grabowski, Pavlović,
Marković, Đorđević, Stojanović, Ilić, Popescu, Ionescu, Popa, Radu, Dumitru,
Stoica, Constantin, Kovács, Szabó, Varga, Kiss, Molnár, Németh, Farkas, Balogh,
Papadakis, Nikolaidis, Oikonomou, Dimitriou, Vasileiou, Aydın, Arslan, Doğan,
Kılıç, Yıldız, Yıldırım, Özdemir, Koç, Kurt, Özkan, Şimşek, Bhatt, Chatterjee,
Mukherjee, Nair, Menon, Pillai, Rao, Joshi, Mehta, Shah, Desai, Kapoor, Malhotra,
Okonkwo, Nwosu, Eze, Boateng, Owusu, Asante, Diallo, Traoré, Coulibaly, Keïta,
Bakr, Saleh, Farouk, Aziz, Rahman, Karim, Ibrahim, Yamamoto, Nakamura, Kobayashi,
Watanabe, Ito, Yoshida, Yamada, Sasaki, Jang, Lim, Han, Yoon, Kang, Cho, Shin
"""

# Made-up parts for the long tail (many languages' sounds; some accented).
ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kr", "l", "m",
          "n", "p", "pr", "r", "s", "sch", "st", "t", "tr", "v", "w", "z", "ž", "š", "ł",
          "qu", "y", "th", "sh", "kh", "bj", "ø", "ö", "é", "x"]
VOWELS = ["a", "e", "i", "o", "u", "á", "é", "ö", "ü", "ei", "ou", "ia", "y", "ő", "ã"]
CODAS = ["", "n", "r", "l", "s", "k", "t", "m", "ck", "rd", "nd", "sk", "vić", "ski",
         "sen", "berg", "ford", "ley", "ton", "mann", "ova", "escu", "ian", "oğlu", "ez",
         "ović", "stad", "wick", "ard", "ani"]

OTHER_SCRIPTS = [
    "Γιώργος Παπαδόπουλος", "Ελένη Νικολάου", "Δημήτρης Οικονόμου", "Οδυσσέας Ιωάννου",
    "Иван Петров", "Ольга Смирнова", "Дмитрий Кузнецов", "Ёлка Иванова", "Олена Шевченко",
    "王芳", "李伟", "张敏", "刘洋", "陈静", "山田 太郎", "佐藤 花子", "김민준", "이서연",
    "박지훈",
]

# Holders the benchmark types, planted at fixed places of every roster.
PLANTED = [
    "Ysolde Wexcombe",        # rare: the only holder of both names
    "Łukasz Wójcik",          # accented, typed without accents
    "Lena Hoffmann-Šimić",    # double-barrelled family name
    "Seán Ó Briain",          # accents, a one-letter word
    "Zoë Dvořák-Nagy",        # accents and a double-barrelled name
]


def cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _zipf_cum(count: int, offset: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (r + offset) for r in range(1, count + 1)))


def planted_at(n: int) -> dict[int, str]:
    """{index: name} of the planted holders in a roster of `n` (spread evenly, the
    last ones near the end: partial shards keep the first holders by index)."""
    k = len(PLANTED)
    return {(j + 1) * n // (k + 1): name for j, name in enumerate(PLANTED)}


def roster(n: int, seed: int = 20261126) -> list[str]:
    """`n` holder names (see the module documentation)."""
    rng = random.Random(seed)
    given = list(dict.fromkeys(GIVEN.split()))
    family = [f.strip() for f in FAMILY.replace("\n", " ").split(",") if f.strip()]
    family = list(dict.fromkeys(family))
    made_given = set()
    while len(made_given) < 5_000:
        made_given.add(cap(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(ONSETS)
                           + rng.choice(VOWELS) + rng.choice(["", "n", "a", "e", "o", "l"])))
    made_given_list = sorted(made_given)
    made_family = set()
    while len(made_family) < 60_000:
        made_family.add(cap(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(ONSETS)
                            + rng.choice(VOWELS) + rng.choice(CODAS)))
    made_family_list = sorted(made_family)
    given_cum = _zipf_cum(len(given), 8)
    family_cum = _zipf_cum(len(family), 15)

    def pick(items: list[str], cum: list[float]) -> str:
        return items[bisect.bisect_left(cum, rng.random() * cum[-1])]

    def a_given() -> str:
        if rng.random() < 0.85:
            return pick(given, given_cum)
        return rng.choice(made_given_list)

    def a_family() -> str:
        r = rng.random()
        if r < 0.60:
            return pick(family, family_cum)
        if r < 0.96:
            return rng.choice(made_family_list)
        first, second = pick(family, family_cum), pick(family, family_cum)
        if " " in first or " " in second or first == second:
            return first
        return f"{first}-{second}"

    planted = planted_at(n)
    names = []
    for i in range(n):
        if i in planted:
            names.append(planted[i])
            continue
        if rng.random() < 0.005:
            names.append(rng.choice(OTHER_SCRIPTS))
            continue
        g = a_given()
        if rng.random() < 0.10:
            g = f"{g} {a_given()}"
        names.append(f"{g} {a_family()}")
    return names


def synthetic_name(i: int) -> str:
    """benches/common/mod.rs `name(i)`, the same names (for comparison)."""
    syl = ["an", "bel", "cor", "dá", "el", "fin", "gar", "hol", "is", "jo", "ka", "lin", "mor",
           "né", "or", "pa", "qui", "ros", "ši", "tan", "ul", "ver", "wen", "zo"]

    def s(k: int) -> str:
        return syl[k % len(syl)]

    j = (i * 2_654_435_761) % (1 << 64) % 13_824
    return f"{cap(s(i // 7) + s(i // 168))} {cap(s(j) + s(j // 24) + s(j // 576))}"


# ---------------------------------------------------------------------------------
# Folding, as src/names.rs and search.js do it

SPELLED = {"ς": "σ", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l",
           "ı": "i", "þ": "th"}
_SPELL = str.maketrans(SPELLED)
_SPLIT = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.category(c).startswith("M"))
    return bare.lower().translate(_SPELL)


def words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(fold(text)) if w]


def matches(query: list[str], name_words: list[str]) -> bool:
    """The search's rule: every word of the query begins some word of the name."""
    return all(any(w.startswith(q) for w in name_words) for q in query)


def stats(names: list[str]) -> str:
    """Distinct names and words, how many holders the commonest words have, and how
    many two-letter keys the words fall under."""
    import collections
    per_word: collections.Counter[str] = collections.Counter()
    firsts, lasts = set(), set()
    for name in names:
        parts = name.split(" ")
        firsts.add(parts[0])
        lasts.add(parts[-1])
        per_word.update(set(words(name)))
    keys = {w[:2] for w in per_word}
    common = sum(1 for c in per_word.values() if c > 1_000)
    return (f"{len(names):,} holders: {len(set(names)):,} distinct names, {len(firsts):,} "
            f"first words, {len(lasts):,} last words, {len(per_word):,} distinct folded words "
            f"under {len(keys):,} two-letter keys; {common:,} words have over 1,000 holders "
            f"(more than a shard holds); commonest: "
            + ", ".join(f"{w} {c:,}" for w, c in per_word.most_common(5)))


if __name__ == "__main__":
    import sys
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    print("roster():          " + stats(roster(n)))
    print("synthetic_name(i): " + stats([synthetic_name(i) for i in range(n)]))
