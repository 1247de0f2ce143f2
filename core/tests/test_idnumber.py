import datetime

import pytest
from django.core.exceptions import ValidationError

from core.idnumber import mask_id_number, mask_phone, parse_id_number, validate_phone

VALID = "14112820190329253X"  # from the 方山县 sample ledger


def error_code(raw, **kwargs):
    with pytest.raises(ValidationError) as info:
        parse_id_number(raw, **kwargs)
    return info.value.code


def test_it_accepts_a_valid_number_and_derives_birth_and_gender():
    info = parse_id_number(VALID)
    assert info.number == VALID
    assert info.birth_date == datetime.date(2019, 3, 29)
    assert info.gender == "M"


def test_it_derives_female_from_an_even_17th_digit():
    assert parse_id_number("141128201611080746").gender == "F"


def test_it_normalises_lower_case_x_and_spaces_and_full_width_digits():
    assert parse_id_number("  14112820190329253x\u3000").number == VALID
    assert parse_id_number("１４１１２８２０１９０３２９２５３Ｘ").number == VALID


def test_it_rejects_a_bad_check_character():
    assert error_code("141128201611080747") == "id_number_check"


def test_it_rejects_an_impossible_date():
    # 2019-02-30 does not exist; check digit computed to isolate the date rule.
    from core.idnumber import check_character

    first17 = "14112820190230001"
    assert error_code(first17 + check_character(first17)) == "id_number_date"


def test_it_rejects_a_future_birth_date():
    from core.idnumber import check_character

    first17 = "14112820300101001"
    assert error_code(first17 + check_character(first17), today=datetime.date(2026, 1, 1)) == "id_number_future"


def test_it_rejects_an_old_15_digit_number_with_a_message_saying_so():
    with pytest.raises(ValidationError) as info:
        parse_id_number("141128850101123")
    assert info.value.code == "id_number_15"
    assert "15" in str(info.value.messages[0])


def test_it_explains_an_id_excel_turned_into_a_number():
    assert error_code(1.41128202202228e17) == "id_number_as_number"
    assert error_code("1.41128E+17") == "id_number_as_number"


def test_it_rejects_wrong_length_and_letters():
    assert error_code("1411282016110807") == "id_number_length"
    assert error_code("14112820161108A746") == "id_number_chars"


def test_messages_are_chinese_under_the_default_language(settings):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        parse_id_number("141128201611080747")
    assert "校验" in info.value.messages[0]


@pytest.mark.parametrize("phone", ["13812345678", "0358-1234567", "03581234567", "010-12345678"])
def test_it_accepts_mobiles_and_landlines(phone):
    validate_phone(phone)


@pytest.mark.parametrize("phone", ["1381234567", "23812345678", "1234567", "abc"])
def test_it_rejects_bad_phones(phone):
    with pytest.raises(ValidationError):
        validate_phone(phone)


def test_masks_keep_only_what_other_facts_give_away():
    # The region code (from the village) and the carrier prefix; never the tail (see the
    # arithmetic in mask_id_number and mask_phone, and core/tests/test_masking_reconstruction.py).
    assert mask_id_number("141102201503021234") == "141102************"
    assert mask_phone("13812345678") == "138********"
    assert mask_phone("0358-1234567") == "035*********"
    assert mask_phone("12345") == "*****"
    assert mask_id_number("1234") == "****"
