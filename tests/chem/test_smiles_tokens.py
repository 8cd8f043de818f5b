"""SMILES tokens and the vocabulary: what the graph model reads and writes."""

import pytest

from chem.smiles_tokens import RESERVED, Vocabulary, canonical_heavy_smiles, tokenize


def test_tokens_keep_bracket_atoms_and_two_letter_elements_whole():
    assert tokenize("C[NH3+]CCl") == ["C", "[NH3+]", "C", "Cl"]
    assert tokenize("c1cc[nH]c1Br") == ["c", "1", "c", "c", "[nH]", "c", "1", "Br"]
    assert tokenize("C%12CC%12") == ["C", "%12", "C", "C", "%12"]


def test_a_character_no_token_covers_is_an_error():
    with pytest.raises(ValueError, match="cannot split"):
        tokenize("CC^C")


def test_canonical_smiles_drop_stereo_keep_charges_and_count_heavy_atoms():
    assert canonical_heavy_smiles("C[C@H](N)O") == ("CC(N)O", 4)
    assert canonical_heavy_smiles("[O-]C(=O)C[NH3+]") == ("[NH3+]CC(=O)[O-]", 5)
    assert canonical_heavy_smiles("not a molecule") is None


def test_the_vocabulary_round_trips_and_names_an_unknown_token():
    vocabulary = Vocabulary.of(["CCO", "C#N"])
    assert vocabulary.tokens == ("#", "C", "N", "O")
    ids = vocabulary.encode("OCC#N")
    assert min(ids) >= RESERVED
    assert vocabulary.decode([1, *ids, 2]) == "OCC#N"  # reserved ids are skipped
    with pytest.raises(ValueError, match="'F'"):
        vocabulary.encode("CF")
