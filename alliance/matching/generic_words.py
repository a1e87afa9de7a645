"""Words that say nothing about what a start-up or a challenge is about.

The search analysers drop only true stopwords ("the", "per"); prose also carries
verbs, quantities and connectives ("every", "next", "without", "anni", "nuovo")
that two unrelated texts share by chance. The recommendations read neither: they
would weigh in the fit and, worse, show up as its reason ("Shared: every, next").
Lower case, as written (both analysers see the word itself).
"""

ENGLISH = """
about above across add added adds after again against ago all allow allows almost
along already also always among another any anyone anything around away back based
be become becomes been before being best better between beyond big both bring brings
build built but by can cannot case cases come comes could day days different do does
done down during each early easy either else end enough even ever every example
existing fast few find first five following for four from full further get gets
give given gives go goes going good great had has have help helps here high how
however include includes including instead into it its just keep keeps key kind
know large last late least less let like little long look made main make makes
making many may might more most much must need needed needs never new next no none
not now number of off often old on once one only open or other others our out over
own part per place plus possible put rather real really right run runs same see
seen set several should show shows side simple since single six small so some
something soon start still such sure take takes ten than that their them then
there these they thing things third this those three through thus time times to
today together too top towards turn turns two under until up upon us use used uses
using very via want way ways we well were what when where whether which while who
whole why will with within without work works would year years yet you your
"""

ITALIAN = """
ad alcuni alcune altra altre altri altro anche ancora anni anno avere base bene
cosa cose così da dai dal dalla dalle degli dei del della delle dello dentro dopo
dove due ecc essere fa fare fino già grande grandi ha hanno ogni oggi oltre ora
nuova nuove nuovi nuovo parte più poi poco primo prima qui quattro quindi sempre
senza solo sono sotto stato stesso sui sul sulla tra tre tutte tutti tutto uno
verso volta volte
"""

# Every text on this site speaks of these: they tell no start-up from another.
SITE = """
challenge challenges sfida sfide proposal proposals proposta proposte pilot pilots
pilota piloti project projects progetto progetti solution solutions soluzione
soluzioni startup startups city città milan milano published pubblicata profile
"""

GENERIC_WORDS = frozenset((ENGLISH + ITALIAN + SITE).split())
