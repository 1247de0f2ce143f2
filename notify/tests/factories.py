from notify.models import Channel, Delivery, DeliveryStatus, HookKind, Message, Preference, RobotHook


def notify_rows(user, town) -> dict:
    """A message, its delivery, the account's settings and a group robot of the township."""
    message = Message.objects.create(recipient=user, kind="alert", title=f"{town.name}的提醒", body="")
    return {
        "notify.message": message,
        "notify.delivery": Delivery.objects.create(
            message=message, channel=Channel.EMAIL, target=f"{user.username}@example.gov.cn", status=DeliveryStatus.SENT
        ),
        "notify.preference": Preference.objects.create(user=user),
        "notify.robothook": RobotHook.objects.create(
            region=town, kind=HookKind.WECOM, name=f"{town.name}工作群", url=f"https://qyapi.weixin.qq.com/k={town.pk}"
        ),
    }
